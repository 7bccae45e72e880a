/* tideq gateway pages: live updates over Server-Sent Events (polling where there is no
   EventSource), and the alerts of the ticket page. ES5 only: the browsers built into WeChat. */
(function () {
  "use strict";
  var dataEl = document.getElementById("tq-data");
  if (!dataEl) { return; }
  var data = JSON.parse(dataEl.textContent);
  var S = data.strings;
  var view = data.view || null;
  var live = document.getElementById("tq-live");
  var alertsOn = false;
  var notified = {};

  function fill(text, vars) {
    return text.replace(/\{(\w+)\}/g, function (m, k) { return vars[k] !== undefined ? vars[k] : m; });
  }
  function setLive(ok, ts) {
    if (!live) { return; }
    live.className = ok ? "live" : "live down";
    var when = ts ? new Date(ts) : new Date();
    var hhmmss = ("0" + when.getHours()).slice(-2) + ":" + ("0" + when.getMinutes()).slice(-2) + ":" +
      ("0" + when.getSeconds()).slice(-2);
    live.textContent = ok ? S.live + " · " + fill(S.updated, { time: hhmmss }) : S.reconnecting;
  }
  function buzz(pattern) {
    try { if (navigator.vibrate) { navigator.vibrate(pattern); } } catch (e) { /* not allowed here */ }
  }
  function notify(key, title, body) {
    if (notified[key]) { return; }
    notified[key] = true;
    buzz(key.indexOf("called") === 0 ? [400, 150, 400, 150, 400] : [300, 120, 300]);
    document.title = title;
    try {
      if (alertsOn && window.Notification && Notification.permission === "granted") {
        new Notification(title, { body: body, tag: "tideq-" + key });
      }
    } catch (e) { /* some browsers only notify from a service worker */ }
  }
  function alertFor(v) {
    if (!v) { return; }
    if (v.status === "waiting" && v.near) {
      notify("near", S.notify_near_title, fill(S.notify_near_body, { number: v.number, n: v.ahead }));
    } else if (v.status === "called" && v.window) {
      var w = v.window.name[data.lang];
      notify("called-" + v.window.id, fill(S.notify_called_title, { window: w }),
             fill(S.notify_called_body, { number: v.number }));
    }
  }
  function apply(msg) {
    var main = document.getElementById("tq-main");
    if (main && msg.html) { main.outerHTML = msg.html; }
    if (msg.view) { view = msg.view; alertFor(view); }
    setLive(true, null);
  }

  var button = document.getElementById("tq-alerts");
  if (button) {
    button.onclick = function () {
      alertsOn = true;
      buzz(50); /* the tap is the user activation vibration needs on Android */
      button.textContent = S.alerts_enabled;
      button.disabled = true;
      if (window.Notification && Notification.permission === "default" && Notification.requestPermission) {
        try { Notification.requestPermission(); } catch (e) { /* older: callback form only */ }
      }
    };
  }
  /* what the page showed on load is not news: alert only on changes after it */
  if (view && view.status === "waiting" && view.near) { notified.near = true; }
  if (view && view.status === "called" && view.window) { notified["called-" + view.window.id] = true; }

  function poll() {
    var url = data.stream.replace("/events", "");
    var xhr = new XMLHttpRequest();
    xhr.open("GET", url + (url.indexOf("?") < 0 ? "?" : "&") + "fragment=1");
    xhr.onload = function () {
      if (xhr.status === 200) { apply(JSON.parse(xhr.responseText)); } else { setLive(false); }
      setTimeout(poll, 5000);
    };
    xhr.onerror = function () { setLive(false); setTimeout(poll, 5000); };
    xhr.send();
  }
  if (window.EventSource) {
    var es = new EventSource(data.stream);
    es.onmessage = function (e) { apply(JSON.parse(e.data)); };
    es.onopen = function () { setLive(true, null); };
    es.onerror = function () {
      setLive(false); /* EventSource reconnects by itself, unless the answer was an error (expired) */
      if (es.readyState === 2) { window.location.reload(); }
    };
  } else {
    setTimeout(poll, 5000);
  }
})();
