// Service worker of the status page: shows the alerts Vigie pushes
// (RFC 8291 payload {"title", "body", "lang", "drill"}) and opens the page
// when one is clicked.
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (e) { data = { body: event.data ? event.data.text() : "" }; }
  var title = data.title || "Status";
  event.waitUntil(self.registration.showNotification(title, {
    body: data.body || "",
    lang: data.lang || "",
    tag: "vigie-status",
    renotify: true
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow("/"));
});
