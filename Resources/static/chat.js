// Wholesail chat: shows new messages without a reload. Server-sent events first; where
// EventSource is missing or its stream fails for good, asks the JSON endpoint every few seconds.
// The page works without this file (send, then the page reloads with the new message).
(function () {
  "use strict";
  var log = document.getElementById("chat-log");
  if (!log || !log.hasAttribute("data-chat-poll")) return;
  var last = parseInt(log.getAttribute("data-chat-last"), 10) || 0;
  var pollUrl = log.getAttribute("data-chat-poll");
  var eventsUrl = log.getAttribute("data-chat-events");

  function add(message) {
    if (!message || message.id <= last) return;
    last = message.id;
    var empty = log.querySelector("[data-chat-empty]");
    if (empty) empty.parentNode.removeChild(empty);
    var article = document.createElement("article");
    article.className = "chat-message" + (message.staff ? " staff" : "") + (message.mine ? " mine" : "");
    article.setAttribute("data-id", String(message.id));
    var meta = document.createElement("p");
    meta.className = "muted";
    meta.textContent = message.author + " · " + message.at;
    var body = document.createElement("p");
    body.className = "pre";
    body.textContent = message.body;
    article.appendChild(meta);
    article.appendChild(body);
    log.appendChild(article);
    log.scrollTop = log.scrollHeight;
  }

  var timer = null;
  var failures = 0;
  function schedule(delay) {
    window.clearTimeout(timer);
    timer = window.setTimeout(poll, delay);
  }
  function poll() {
    window.fetch(pollUrl + "?after=" + last, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.json();
      })
      .then(function (data) {
        failures = 0;
        (data.messages || []).forEach(add);
        schedule(5000);
      })
      .catch(function () {
        failures += 1;
        if (failures < 20) schedule(Math.min(60000, 5000 * failures));
      });
  }

  log.scrollTop = log.scrollHeight;
  if (!window.EventSource || !eventsUrl) {
    if (window.fetch) schedule(5000);
    return;
  }
  var source = new window.EventSource(eventsUrl + "?after=" + last);
  source.addEventListener("message", function (event) {
    try { add(JSON.parse(event.data)); } catch (ignored) { /* a broken event is skipped */ }
  });
  source.addEventListener("error", function () {
    // The browser reconnects by itself; a stream closed for good (an error status, a proxy that
    // does not pass streams) falls back to polling.
    if (source.readyState === window.EventSource.CLOSED && window.fetch) schedule(1000);
  });
})();
