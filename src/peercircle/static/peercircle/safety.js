/* The live safeguarding queue (docs/safety.md): a WebSocket says when an
   alert changes and the list is fetched again; every 30 seconds it is fetched
   anyway, so the page stays current when the socket cannot connect. */
(function () {
  "use strict";
  var root = document.getElementById("queue");
  if (!root) {
    return;
  }
  var live = document.getElementById("queue-live");
  var fragment = root.dataset.fragment;
  var attempt = 0;
  var busy = false;
  var again = false;

  function say(text) {
    if (live) {
      live.textContent = text;
    }
  }

  function refresh() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    fetch(fragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        root.innerHTML = html;
      })
      .catch(function () {
        say("Could not refresh the list; reload the page.");
      })
      .then(function () {
        busy = false;
        if (again) {
          again = false;
          refresh();
        }
      });
  }

  function connect() {
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + location.host + root.dataset.socket);
    } catch (error) {
      say("Live updates are off; the list refreshes every 30 seconds.");
      return;
    }
    socket.onopen = function () {
      attempt = 0;
      say("Live: new alerts appear here as they are raised.");
      refresh();
    };
    socket.onmessage = function () {
      refresh();
    };
    socket.onclose = function () {
      attempt += 1;
      var wait = Math.min(30, Math.pow(2, attempt));
      say("Live updates lost; trying again in " + wait + " seconds. The list still refreshes every 30 seconds.");
      setTimeout(connect, wait * 1000);
    };
  }

  setInterval(refresh, 30000);
  connect();
})();
