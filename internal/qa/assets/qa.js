// Live Q&A: answers and vote counts update in place over Server-Sent
// Events, new answers are announced to screen readers (aria-live), and
// votes are sent without leaving the page. Without JavaScript the forms
// post and redirect, and a reload shows the news.
(function () {
  "use strict";
  document.documentElement.className += " js";
  var live = document.getElementById("qa-live");
  var announcer = document.getElementById("qa-announce");
  if (!live) return;
  var lang = document.body.getAttribute("data-lang") || "fr";
  var newAnswer = document.body.getAttribute("data-new-answer") || "%s";

  function answered() {
    var seen = {};
    live.querySelectorAll("li[data-answered]").forEach(function (li) { seen[li.getAttribute("data-answered")] = true; });
    return seen;
  }
  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    setTimeout(function () { announcer.textContent = text; }, 50);
  }
  function update(html) {
    var before = answered();
    var focused = document.activeElement && live.contains(document.activeElement) ? document.activeElement.closest("li") : null;
    var focusID = focused ? focused.id : "";
    live.innerHTML = html;
    var fresh = [];
    live.querySelectorAll("li[data-answered]").forEach(function (li) {
      if (!before[li.getAttribute("data-answered")]) {
        li.className += " fresh";
        var q = li.querySelector(".q");
        fresh.push(newAnswer.replace("%s", q ? q.textContent.trim() : ""));
      }
    });
    if (fresh.length) announce(fresh.join(" "));
    if (focusID) {
      var b = document.querySelector("#" + focusID + " button");
      if (b) b.focus();
    }
  }

  // Votes without reloading: the count comes back in the answer and in
  // the next live update.
  live.addEventListener("submit", function (e) {
    var form = e.target;
    if (!form.classList.contains("vote") || !window.fetch) return;
    e.preventDefault();
    fetch(form.action, { method: "POST", headers: { "Accept": "application/json" }, body: new URLSearchParams(new FormData(form)) })
      .then(function (r) { return r.json(); })
      .then(function (msg) {
        var count = form.querySelector(".count");
        if (msg.ok && count) count.textContent = count.textContent.replace(/\d+/, String(msg.votes));
        announce(msg.message || "");
      })
      .catch(function () { form.submit(); });
  });

  if (!window.EventSource) return;
  var since = live.getAttribute("data-version") || "";
  var es = new EventSource("/qa/events?lang=" + encodeURIComponent(lang) + (since ? "&since=" + encodeURIComponent(since) : ""));
  // data-live tells tests (and styles) that updates are flowing.
  es.onopen = function () { live.setAttribute("data-live", "1"); };
  es.onerror = function () { live.setAttribute("data-live", "0"); };
  es.addEventListener("update", function (e) {
    try {
      var msg = JSON.parse(e.data);
      if (msg.closed) { location.reload(); return; }
      if (String(msg.session) !== live.getAttribute("data-session")) { location.reload(); return; }
      update(msg.html);
      live.setAttribute("data-version", String(msg.version));
    } catch (err) { /* keep the current list */ }
  });
})();
