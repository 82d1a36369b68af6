// Live status on a case page: reloads the status block when the case changes. The page
// works without this file; it only saves a reload.
(function () {
  "use strict";
  var block = document.querySelector("[data-live]");
  if (!block || !window.fetch) { return; }
  var url = block.getAttribute("data-live");
  var seen = block.getAttribute("data-version");
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("[data-live]");
        if (fresh && fresh.getAttribute("data-version") !== seen) {
          seen = fresh.getAttribute("data-version");
          block.innerHTML = fresh.innerHTML;
          var note = document.getElementById("live-note");
          if (note) { note.textContent = "办件状态已更新"; }
        }
      })
      .catch(function () {})
      .then(function () { setTimeout(poll, 15000); });
  }
  setTimeout(poll, 15000);
})();
