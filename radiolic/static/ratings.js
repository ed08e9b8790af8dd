/* Rating form: show only the tag list of the chosen level (without JS every list shows). */
(function () {
  "use strict";
  document.querySelectorAll("form.rating-form").forEach(function (form) {
    var groups = form.querySelectorAll(".rating-tags");
    function show() {
      var chosen = form.querySelector("input[name=level]:checked");
      groups.forEach(function (g) {
        var on = chosen && g.dataset.level === chosen.value;
        g.hidden = !on;
        if (!on) { g.querySelectorAll("input").forEach(function (i) { i.checked = false; }); }
      });
    }
    form.querySelectorAll("input[name=level]").forEach(function (r) { r.addEventListener("change", show); });
    show();
  });
})();
