/* A questionnaire's answers saved as they are chosen (docs/questionnaires.md).
   Each choice POSTs {"item": 3, "value": "2"} (or "decline") as JSON to the
   form's data-save-url; the reply is {"ok": true, "answered": 4, "of": 9} or
   {"ok": false, "item": 3, "error": "..."}. Saves go one at a time, and only
   the latest choice for a question is sent. A save that fails is sent again
   when the connection comes back or the next choice is made; and "Send my
   answers" posts every answer with the form anyway, so nothing chosen on the
   screen is lost. */
(function () {
  "use strict";
  var form = document.getElementById("questionnaire");
  if (!form || !window.fetch || !window.JSON) {
    return;
  }
  var url = form.dataset.saveUrl;
  var status = document.getElementById("q-status");
  var tokenInput = form.querySelector("input[name=csrfmiddlewaretoken]");
  var token = tokenInput ? tokenInput.value : "";
  var pending = {};
  var order = [];
  var busy = false;
  var stalled = false;

  Array.prototype.forEach.call(document.querySelectorAll(".js-only"), function (el) {
    el.hidden = false;
  });

  function say(text, problem) {
    status.textContent = text;
    status.classList.toggle("q-status-problem", Boolean(problem));
  }

  function markItem(item, error, saved) {
    var box = document.getElementById("item-" + item + "-error");
    var fieldset = document.getElementById("item-" + item);
    var mark = document.getElementById("item-" + item + "-saved");
    if (box) {
      box.textContent = error || "";
    }
    if (mark) {
      mark.textContent = saved ? "Saved" : "";
    }
    if (fieldset) {
      fieldset.classList.toggle("q-item-error", Boolean(error));
    }
  }

  function again(item, value) {
    if (!Object.prototype.hasOwnProperty.call(pending, item)) {
      pending[item] = value;
      order.unshift(item);
    }
    stalled = true;
  }

  function next() {
    if (busy || stalled || !order.length) {
      return;
    }
    var item = order.shift();
    var value = pending[item];
    delete pending[item];
    busy = true;
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        Accept: "application/json",
        "X-CSRFToken": token
      },
      body: JSON.stringify({ item: Number(item), value: value })
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("application/json") === -1) {
          // Most likely signed out: the reply is the sign-in page.
          again(item, value);
          say("Not saved: you may have been signed out. Your choices are still on this page; sign in again in another tab, then choose again or press Send.", true);
          return;
        }
        return response.json().then(function (data) {
          if (data.ok) {
            markItem(item, "", !Object.prototype.hasOwnProperty.call(pending, item));
            if (!order.length) {
              say("Saved. " + data.answered + " of " + data.of + " answered.");
            }
          } else {
            markItem(item, data.error);
            say("Not saved: " + data.error, true);
          }
        });
      })
      .catch(function () {
        again(item, value);
        say("Not saved yet: the connection seems to be down. Your choice is still here and will be sent when it is back; Send at the end sends every answer too.", true);
      })
      .then(function () {
        busy = false;
        next();
      });
  }

  function choose(item, value) {
    markItem(item, "", false);
    if (!Object.prototype.hasOwnProperty.call(pending, item)) {
      order.push(item);
    }
    pending[item] = value;
    stalled = false;
    next();
  }

  form.addEventListener("change", function (event) {
    var input = event.target;
    var match = input && input.type === "radio" ? /^item-(\d+)$/.exec(input.name) : null;
    if (match) {
      choose(match[1], input.value);
    }
  });

  window.addEventListener("online", function () {
    stalled = false;
    next();
  });
})();
