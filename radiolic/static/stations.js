// Per-station decisions: "check the whole page" ticks this page's rows only; the filter scope covers the rest.
(function () {
  var all = document.getElementById("check-page");
  if (!all) { return; }
  all.addEventListener("change", function () {
    document.querySelectorAll(".station-check").forEach(function (box) { box.checked = all.checked; });
  });
})();
