// Live updates for the status page: Server-Sent Events replace the live
// region in place and screen readers hear the change (aria-live). Without
// JavaScript the page refreshes itself (meta refresh in <noscript>).
(function () {
  "use strict";
  document.documentElement.className += " js";
  document.body.className += " js";
  var lang = document.body.getAttribute("data-lang") || "fr";
  var live = document.getElementById("live");
  function connect() {
    if (!window.EventSource || !live) return;
    var es = new EventSource("/events?lang=" + encodeURIComponent(lang));
    es.addEventListener("update", function (e) {
      try {
        var msg = JSON.parse(e.data);
        if (msg.html) live.innerHTML = msg.html;
      } catch (err) { /* keep the current content */ }
    });
  }
  var filter = document.getElementById("faq-filter");
  if (filter) {
    filter.addEventListener("input", function () {
      var q = filter.value.toLowerCase();
      var items = document.querySelectorAll("#faq-list details");
      for (var i = 0; i < items.length; i++) {
        var t = (items[i].textContent + " " + items[i].getAttribute("data-tags")).toLowerCase();
        items[i].hidden = q !== "" && t.indexOf(q) < 0;
      }
    });
  }
  connect();
})();
