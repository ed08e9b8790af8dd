// Intake form: show the chosen item's checklist, pick a returning applicant, default visits by channel.
(function () {
  "use strict";
  var form = document.getElementById("intake-form");
  if (!form) { return; }

  var item = document.getElementById("service_item");
  function showChecklist() {
    document.querySelectorAll(".checklist").forEach(function (el) {
      var on = el.getAttribute("data-item") === item.value;
      el.hidden = !on;
      el.querySelectorAll("input").forEach(function (i) { i.disabled = !on; });
    });
  }
  if (item) { item.addEventListener("change", showChecklist); showChecklist(); }

  var channel = document.getElementById("channel");
  var visits = document.getElementById("visits");
  var visitsTouched = false;
  if (visits) { visits.addEventListener("input", function () { visitsTouched = true; }); }
  if (channel && visits) {
    channel.addEventListener("change", function () {
      if (!visitsTouched) { visits.value = channel.value === "window" ? "1" : "0"; }
    });
  }

  var search = document.getElementById("applicant-search");
  var results = document.getElementById("applicant-results");
  if (!search || !results) { return; }
  var timer = null;
  function fill(a) {
    ["kind", "id_code", "name", "contact", "phone", "email", "address"].forEach(function (k) {
      var el = document.getElementById(k);
      if (el) { el.value = a[k] || ""; }
    });
    results.innerHTML = "";
    search.value = a.name;
  }
  function show(list) {
    results.innerHTML = "";
    list.forEach(function (a, index) {
      var b = document.createElement("button");
      b.type = "button";
      b.className = "list-group-item list-group-item-action";
      b.textContent = a.name + "  " + a.id_code;
      b.addEventListener("click", function () { fill(a); document.getElementById("contact").focus(); });
      b.addEventListener("keydown", function (e) {
        if (e.key === "ArrowDown" && b.nextSibling) { e.preventDefault(); b.nextSibling.focus(); }
        if (e.key === "ArrowUp") { e.preventDefault(); (b.previousSibling || search).focus(); }
      });
      results.appendChild(b);
    });
  }
  search.addEventListener("input", function () {
    clearTimeout(timer);
    var q = search.value.trim();
    if (q.length < 2) { results.innerHTML = ""; return; }
    timer = setTimeout(function () {
      fetch(search.getAttribute("data-url") + "?q=" + encodeURIComponent(q), {credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : {applicants: []}; })
        .then(function (data) { show(data.applicants); });
    }, 200);
  });
  search.addEventListener("keydown", function (e) {
    if (e.key === "ArrowDown" && results.firstChild) { e.preventDefault(); results.firstChild.focus(); }
    if (e.key === "Enter") { e.preventDefault(); if (results.firstChild) { results.firstChild.click(); } }
  });
})();

// GOV.UK error summary: focus it so a screen reader reads it first and the clerk sees it at once.
(function () { var s = document.getElementById("error-summary"); if (s) { s.focus(); } })();
