// Vigie console: countdowns, and a live crisis room over Server-Sent
// Events. Everything here is optional: without it the pages still work
// with forms and reloads.
(function () {
  "use strict";

  // --- Countdowns --------------------------------------------------------
  function pad(n) { return n < 10 ? "0" + n : String(n); }
  function span(ms) {
    var s = Math.floor(Math.abs(ms) / 1000);
    var h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    return (h > 0 ? h + " h " + pad(m) : m + " min") + " " + pad(s % 60) + " s";
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll("[data-countdown]").forEach(function (el) {
      var due = Date.parse(el.getAttribute("data-countdown"));
      if (isNaN(due)) { return; }
      var left = due - now;
      var fmt = el.getAttribute(left < 0 ? "data-over" : "data-in") || "%s";
      el.textContent = fmt.replace("%s", span(left));
      el.classList.toggle("late", left < 0);
    });
  }
  tick();
  setInterval(tick, 1000);

  // --- Forms being edited are never thrown away by a live refresh -------
  document.addEventListener("input", function (e) {
    var f = e.target.closest && e.target.closest("form");
    if (f) { f.setAttribute("data-dirty", "1"); }
  });

  var room = document.getElementById("room");
  if (!room || !window.EventSource || !window.fetch || !window.DOMParser) { return; }

  var list = document.getElementById("timeline-list");
  var announcer = document.getElementById("announcer");
  var status = document.getElementById("live-status");
  var seen = {};
  list.querySelectorAll("li[data-id]").forEach(function (li) { seen[li.getAttribute("data-id")] = true; });

  function announce(text) {
    // Clearing first makes screen readers repeat identical messages.
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }

  function setLive(ok) {
    if (!status) { return; }
    status.hidden = false;
    status.textContent = status.getAttribute(ok ? "data-live-text" : "data-lost-text");
    status.classList.toggle("lost", !ok);
  }

  function addEvent(ev) {
    var key = String(ev.id);
    if (seen[key]) { return false; }
    seen[key] = true;
    var li = document.createElement("li");
    li.setAttribute("data-id", key);
    li.setAttribute("data-kind", ev.kind);
    li.className = "ev ev-" + ev.kind + " fresh";
    var t = document.createElement("time");
    t.setAttribute("datetime", ev.at);
    t.textContent = ev.clock;
    var who = document.createElement("span");
    who.className = "actor";
    who.textContent = ev.actor;
    var what = document.createElement("span");
    what.className = "what";
    what.textContent = ev.text;
    li.appendChild(t);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(who);
    li.appendChild(document.createTextNode(" "));
    li.appendChild(what);
    list.insertBefore(li, list.firstChild);
    return true;
  }

  // swap replaces a live section with its new version, keeping the forms
  // someone is typing in (with their version number, so a conflicting
  // save is refused rather than silent) and the open/closed state of
  // details elements.
  function swap(oldSec, newSec) {
    var active = document.activeElement;
    var selStart = null, selEnd = null;
    if (active && oldSec.contains(active)) {
      try { selStart = active.selectionStart; selEnd = active.selectionEnd; } catch (e) { /* not a text field */ }
    }
    oldSec.querySelectorAll("details[id]").forEach(function (d) {
      var n = newSec.querySelector("#" + CSS.escape(d.id));
      if (n) { n.open = d.open; }
    });
    oldSec.querySelectorAll("form[id]").forEach(function (f) {
      if (!f.hasAttribute("data-dirty") && !f.contains(active)) { return; }
      var n = newSec.querySelector("#" + CSS.escape(f.id));
      if (n) { n.replaceWith(f); }
    });
    oldSec.replaceWith(newSec);
    if (active && active !== document.body && document.contains(active)) {
      active.focus();
      if (selStart !== null) { try { active.setSelectionRange(selStart, selEnd); } catch (e) { /* ignore */ } }
    }
  }

  var refreshing = false, again = false, timer = null;
  function refresh() {
    if (refreshing) { again = true; return; }
    refreshing = true;
    fetch(room.getAttribute("data-partial"), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) {
        if (!r.ok) { throw new Error("HTTP " + r.status); }
        return r.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        doc.querySelectorAll("[data-live][id]").forEach(function (fresh) {
          var cur = document.getElementById(fresh.id);
          if (cur) { swap(cur, document.importNode(fresh, true)); }
        });
        room.setAttribute("data-refreshed", String(Date.now()));
      })
      .catch(function () { setLive(false); })
      .then(function () {
        refreshing = false;
        if (again) { again = false; schedule(); }
      });
  }
  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 250);
  }

  var source = new EventSource(room.getAttribute("data-events"));
  source.addEventListener("open", function () { setLive(true); });
  source.addEventListener("error", function () { setLive(false); });
  source.addEventListener("timeline", function (msg) {
    var ev;
    try { ev = JSON.parse(msg.data); } catch (e) { return; }
    if (addEvent(ev)) {
      announce(ev.actor + " — " + ev.text);
      schedule();
    }
  });
  window.addEventListener("pagehide", function () { source.close(); });
})();
