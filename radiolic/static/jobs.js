/* Job page: poll the job's JSON every second, move the progress bar, show time left, then the download. */
(function () {
  "use strict";
  var box = document.getElementById("job");
  if (!box) { return; }
  var bar = document.getElementById("job-bar"), count = document.getElementById("job-count"),
      note = document.getElementById("job-note"), link = document.getElementById("job-download"),
      holder = bar.parentNode;

  function show(s) {
    var pct = s.total ? Math.min(100, 100 * s.done / s.total) : 0;
    bar.style.width = pct.toFixed(1) + "%";
    holder.setAttribute("aria-valuenow", String(s.done));
    holder.setAttribute("aria-valuemax", String(s.total));
    count.textContent = s.done + " / " + s.total;
    box.dataset.state = s.state;
    if (s.state === "done") {
      note.textContent = box.dataset.textDone;
      document.getElementById("job-result").textContent = s.note || "";
      link.href = s.download;
      link.classList.remove("d-none");
    } else if (s.state === "failed") {
      note.textContent = box.dataset.textFailed + s.error;
      bar.classList.add("bg-danger");
    } else if (s.state === "queued") {
      note.textContent = box.dataset.textQueued;
    } else {
      note.textContent = s.seconds_left === null ? "" : box.dataset.textLeft.replace("{s}", String(s.seconds_left));
    }
    return s.state === "done" || s.state === "failed";
  }

  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (s) { if (!s || !show(s)) { window.setTimeout(poll, 1000); } })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  if (box.dataset.state !== "done" && box.dataset.state !== "failed") { poll(); }
})();
