// Vigie status widget. Put this on your own site or order form:
//   <script src="https://status.example.com/widget.js" async></script>
// It shows a small banner (in the page's language, French or English) only
// while something is wrong, with a link to the status page. No cookies, no
// tracking; the status comes from /api/v2/summary.json.
(function () {
  "use strict";
  var me = document.currentScript;
  if (!me) return;
  var base = me.src.replace(/\/widget\.js.*$/, "");
  var fr = (document.documentElement.lang || navigator.language || "fr").slice(0, 2) === "fr";
  var words = {
    minor: fr ? "Service perturbé" : "Service disrupted",
    major: fr ? "Panne partielle" : "Partial outage",
    critical: fr ? "Panne en cours" : "Ongoing outage",
    more: fr ? "Que faire en attendant ?" : "What can I do meanwhile?"
  };
  var colours = { minor: "#8a5a00", major: "#b54708", critical: "#c11c2a" };
  var x = new XMLHttpRequest();
  x.open("GET", base + "/api/v2/summary.json");
  x.timeout = 5000;
  x.onload = function () {
    if (x.status !== 200) return;
    var s;
    try { s = JSON.parse(x.responseText); } catch (e) { return; }
    var ind = s && s.status && s.status.indicator;
    if (!ind || ind === "none" || !words[ind]) return;
    var inc = s.incidents && s.incidents[0];
    var bar = document.createElement("div");
    bar.setAttribute("role", "status");
    bar.style.cssText = "font:600 15px/1.4 system-ui,sans-serif;color:#fff;padding:10px 14px;text-align:center;background:" + colours[ind];
    bar.appendChild(document.createTextNode(words[ind] + (inc && inc.name ? " — " + inc.name : "") + " · "));
    var a = document.createElement("a");
    a.href = base + "/" + (fr ? "fr" : "en") + "/";
    a.style.color = "#fff";
    a.appendChild(document.createTextNode(words.more));
    bar.appendChild(a);
    me.parentNode.insertBefore(bar, me);
  };
  x.send();
})();
