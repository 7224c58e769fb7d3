// Live chat, for the buyer's chat page and the console's queue and chat pages.
//
// The pages work without this script: forms post and the page reloads with what is new. With
// it, an EventSource brings new messages (each with its seq as the event id: after a dropped
// connection the browser sends Last-Event-ID and the server replays what was missed, so nothing
// is lost or shown twice; a message already on the page is skipped by its seq), and the message
// form posts in the background with the page's CSRF token. No inline scripts or styles (CSP).
(function () {
  "use strict";
  if (!window.EventSource || !window.fetch || !window.FormData || !window.JSON) return;

  function reconnectLater(open) {
    // EventSource retries by itself after a dropped connection; only a refused or closed one
    // (readyState CLOSED) needs opening again, a little later.
    window.setTimeout(open, 5000);
  }

  // -- the console's queue: the waiting list as the server renders it ----------------------------
  var queue = document.getElementById("chat-queue");
  if (queue && queue.getAttribute("data-events-url")) {
    queue.classList.add("js-live");
    var shownIds = null;
    var openQueue = function () {
      var stream = new EventSource(queue.getAttribute("data-events-url"));
      stream.addEventListener("queue", function (event) {
        var state = JSON.parse(event.data);
        var count = document.getElementById("chat-waiting-count");
        if (count) count.textContent = String(state.waiting);
        var ids = state.ids.join(" ");
        if (ids === shownIds) return; // nothing changed: leave the list (and the focus) alone
        shownIds = ids;
        var list = document.getElementById("chat-queue-list");
        if (list) list.innerHTML = state.html; // rendered and escaped by the server
      });
      stream.onerror = function () {
        if (stream.readyState === EventSource.CLOSED) reconnectLater(openQueue);
      };
    };
    openQueue();
  }

  // -- one chat ------------------------------------------------------------------------------------
  var root = document.getElementById("chat");
  if (!root || !root.getAttribute("data-events-url")) return;
  var list = document.getElementById("chat-messages");
  var side = root.getAttribute("data-side");
  var last = parseInt(root.getAttribute("data-last-seq"), 10) || 0;
  var ended = ["ended", "abandoned"].indexOf(root.getAttribute("data-status")) >= 0;
  root.classList.add("js-live");

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function show(message) {
    if (message.seq <= last) return false; // already on the page (sent with it, or our own post)
    last = message.seq;
    var item = element("li", "chat-message chat-message-" + message.author + (message.kind === "event" ? " chat-event" : ""));
    item.id = "chat-message-" + message.seq;
    item.setAttribute("data-seq", String(message.seq));
    var time = element("time", "muted", message.time);
    time.setAttribute("datetime", message.at);
    if (message.kind === "event") {
      var line = element("p", "chat-event-text", message.text + " ");
      line.appendChild(time);
      item.appendChild(line);
    } else {
      var meta = element("p", "chat-meta");
      meta.appendChild(element("strong", "chat-who", message.who));
      meta.appendChild(document.createTextNode(" "));
      meta.appendChild(time);
      item.appendChild(meta);
      var body = element("p", "chat-body");
      if (message.note) body.appendChild(element("span", "chat-note", message.note + ": "));
      if (message.link) {
        var link = element("a", "", message.text);
        link.href = message.link;
        body.appendChild(link);
      } else {
        body.appendChild(document.createTextNode(message.text));
      }
      item.appendChild(body);
    }
    list.appendChild(item);
    if (item.scrollIntoView) item.scrollIntoView({ block: "nearest" });
    return true;
  }

  function reloadSoon() {
    // The chat ended or changed hands: the page shows what comes next (the rating, the ticket).
    window.setTimeout(function () {
      window.location.assign(root.getAttribute("data-page-url"));
    }, 600);
  }

  function onEvent(message) {
    if (message.event === "ended" || message.event === "abandoned") {
      ended = true;
      reloadSoon();
    } else if (message.event === "taken") {
      if (side === "agent") {
        reloadSoon(); // someone took it: the page shows who, and the answer box to its agent
      } else {
        var place = document.getElementById("chat-queue");
        if (place) place.hidden = true;
        var note = document.getElementById("chat-active-note");
        if (note) note.hidden = false;
        var leave = document.getElementById("chat-end-button");
        if (leave && leave.getAttribute("data-active-label")) leave.textContent = leave.getAttribute("data-active-label");
        var status = document.getElementById("chat-status");
        if (status && root.getAttribute("data-active-label")) {
          status.textContent = root.getAttribute("data-active-label");
          status.className = "status chat-status chat-status-active";
        }
      }
    }
  }

  var stream = null;
  function openStream() {
    if (ended) return;
    var url = root.getAttribute("data-events-url");
    url += (url.indexOf("?") >= 0 ? "&" : "?") + "after=" + last;
    stream = new EventSource(url);
    stream.addEventListener("message", function (event) {
      var message = JSON.parse(event.data);
      if (show(message) && message.event) onEvent(message);
    });
    stream.addEventListener("queue", function (event) {
      var state = JSON.parse(event.data);
      var place = document.getElementById("chat-queue-place");
      if (place && state.place) place.textContent = state.place;
      var estimate = document.getElementById("chat-queue-estimate");
      if (estimate && state.estimate) estimate.textContent = state.estimate;
    });
    stream.addEventListener("closed", function () {
      ended = true;
      stream.close();
    });
    stream.onerror = function () {
      if (stream.readyState === EventSource.CLOSED && !ended) reconnectLater(openStream);
    };
  }
  openStream();

  // -- writing ----------------------------------------------------------------------------------
  var form = document.getElementById("chat-form");
  var text = document.getElementById("chat-text");
  var problem = document.getElementById("chat-error");
  if (!form || !text) return;

  function say(message) {
    if (!problem) return;
    problem.textContent = message || "";
    problem.hidden = !message;
  }

  var sending = false;
  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (sending) return;
    if (!text.value.trim()) {
      say(form.getAttribute("data-empty"));
      text.focus();
      return;
    }
    sending = true;
    var body = new FormData(form);
    fetch(form.action, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { Accept: "application/json", "X-CSRFToken": body.get("csrf_token") || "" },
    })
      .then(function (response) {
        return response.json().then(function (answer) {
          return { ok: response.ok, answer: answer };
        });
      })
      .then(function (result) {
        if (result.ok && result.answer.ok) {
          text.value = "";
          say("");
          if (result.answer.message) show(result.answer.message);
        } else {
          say(result.answer.error || form.getAttribute("data-offline"));
        }
      })
      .catch(function () {
        say(form.getAttribute("data-offline")); // what was typed stays in the box
      })
      .then(function () {
        sending = false;
        text.focus();
      });
  });

  text.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      if (form.requestSubmit) form.requestSubmit();
      else form.dispatchEvent(new Event("submit", { cancelable: true }));
    }
  });
})();
