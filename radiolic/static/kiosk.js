/* The counter tablet looks for the next case every few seconds. A scripted reload rather than <meta refresh>:
   it waits while someone is touching the screen (a half-chosen rating is never thrown away). */
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="radiolic-kiosk-refresh"]');
  if (!meta) { return; }
  var seconds = parseInt(meta.getAttribute("content"), 10) || 5;
  var target = meta.dataset.url || window.location.href;
  var last = Date.now();
  ["pointerdown", "keydown", "input", "change"].forEach(function (kind) {
    document.addEventListener(kind, function () { last = Date.now(); }, true);
  });
  function tick() {
    if (Date.now() - last >= seconds * 1000) { window.location.assign(target); }
    else { window.setTimeout(tick, 1000); }
  }
  window.setTimeout(tick, seconds * 1000);
})();
