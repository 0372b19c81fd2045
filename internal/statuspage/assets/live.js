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
  // Web push: subscribe this browser after its permission prompt.
  var pushBtn = document.getElementById("push-on");
  if (pushBtn && "serviceWorker" in navigator && "PushManager" in window) {
    pushBtn.addEventListener("click", function () {
      var key = pushBtn.getAttribute("data-key");
      var raw = atob(key.replace(/-/g, "+").replace(/_/g, "/"));
      var bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      navigator.serviceWorker.register("/sw.js").then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: bytes });
      }).then(function (sub) {
        return fetch("/push/subscribe", { method: "POST", headers: { "Content-Type": "application/json" },
          body: JSON.stringify({ subscription: sub.toJSON(), lang: lang }) });
      }).then(function (r) {
        if (r.ok) document.getElementById("push-state").textContent = document.body.getAttribute("data-push-on");
      }).catch(function () { /* permission refused or unsupported: nothing to do */ });
    });
  } else if (pushBtn) {
    pushBtn.hidden = true;
  }
  connect();
})();
