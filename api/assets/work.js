// The clerk's queue: new work appears without a reload (server-sent events from
// /work/events, then the list is fetched again), and single-key shortcuts that can be
// switched off (WCAG 2.1.4). The queue works without this file.
(function () {
  "use strict";
  var box = document.querySelector("[data-queue]");
  var note = document.getElementById("queue-note");
  function refresh() {
    fetch(location.href, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.querySelector("#queue tbody");
        var current = document.querySelector("#queue tbody");
        if (fresh && current) { current.innerHTML = fresh.innerHTML; }
        var freshNote = doc.getElementById("queue-note");
        if (freshNote && note) { note.textContent = freshNote.textContent + " 列表已更新。"; }
      })
      .catch(function () {});
  }
  if (box && window.EventSource) {
    var waiting = false;
    var events = new EventSource(box.getAttribute("data-queue"));
    events.addEventListener("queue", function () {
      if (waiting) { return; }
      waiting = true;
      setTimeout(function () { waiting = false; refresh(); }, 250);
    });
  }
  var off = false;
  try { off = localStorage.getItem("shortcuts-off") === "1"; } catch (e) { off = false; }
  var toggle = document.getElementById("shortcuts-off");
  if (toggle) {
    toggle.checked = off;
    toggle.addEventListener("change", function () {
      off = toggle.checked;
      try { localStorage.setItem("shortcuts-off", off ? "1" : "0"); } catch (e) { /* private mode */ }
    });
  }
  document.addEventListener("keydown", function (e) {
    if (off || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    if (t && (t.tagName === "INPUT" || t.tagName === "SELECT" || t.tagName === "TEXTAREA")) { return; }
    var links = Array.prototype.slice.call(document.querySelectorAll("#queue tbody a"));
    var i = links.indexOf(document.activeElement);
    var to = null;
    if (e.key === "/") { to = document.getElementById("no"); }
    else if (e.key === "j") { to = links[Math.min(i + 1, links.length - 1)]; }
    else if (e.key === "k") { to = links[Math.max(i - 1, 0)]; }
    if (to) { to.focus(); e.preventDefault(); }
  });
})();
