/*
 * Signing out clears what PeerCircle keeps on this device.
 *
 * The live rooms keep a draft and unsent messages in this browser's
 * localStorage (keys starting "peercircle:") so that nothing typed is lost to a
 * reload or a lost signal. On a shared or borrowed device the next person must
 * not find them, so signing out deletes them; where something is still unsent
 * or half written, a dialog says so first and lets the person stay signed in to
 * send it. Without this script nothing was stored in the first place.
 * See docs/rooms.md ("The room page").
 */
(function () {
  "use strict";

  var PREFIX = "peercircle:";

  function storedKeys() {
    var found = [];
    try {
      for (var i = 0; i < window.localStorage.length; i++) {
        var key = window.localStorage.key(i);
        if (key && key.indexOf(PREFIX) === 0) {
          found.push(key);
        }
      }
    } catch (e) {
      return [];
    }
    return found;
  }

  function read(key) {
    try {
      return JSON.parse(window.localStorage.getItem(key));
    } catch (e) {
      return null;
    }
  }

  function pending(keys) {
    var messages = 0;
    var drafts = 0;
    keys.forEach(function (key) {
      var value = read(key);
      if (/:outbox$/.test(key) && Array.isArray(value)) {
        messages += value.length;
      } else if (/:draft$/.test(key) && typeof value === "string" && value.trim()) {
        drafts += 1;
      }
    });
    return { messages: messages, drafts: drafts };
  }

  function clear(keys) {
    keys.forEach(function (key) {
      try {
        window.localStorage.removeItem(key);
      } catch (e) {
        /* nothing more can be done here */
      }
    });
  }

  function describe(found) {
    var parts = [];
    if (found.messages) {
      parts.push(
        found.messages === 1
          ? "1 message that has not been sent yet"
          : found.messages + " messages that have not been sent yet"
      );
    }
    if (found.drafts) {
      parts.push(
        found.drafts === 1
          ? "a message you were writing"
          : "messages you were writing in " + found.drafts + " rooms"
      );
    }
    var them = found.messages + found.drafts === 1 ? "it" : "them";
    return (
      "You have " + parts.join(" and ") + ". Signing out deletes " + them +
      " from this device, so that no one else who uses it can read " + them +
      ". To keep " + them + ", stay signed in and send " + them + " first."
    );
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-sign-out")) {
      return;
    }
    var keys = storedKeys();
    var found = pending(keys);
    var dialog = document.getElementById("sign-out-dialog");
    if (form.getAttribute("data-confirmed") === "yes" || !(found.messages || found.drafts) || !dialog) {
      clear(keys);
      return;
    }
    event.preventDefault();
    document.getElementById("sign-out-what").textContent = describe(found);
    var leave = document.getElementById("sign-out-anyway");
    leave.onclick = function () {
      form.setAttribute("data-confirmed", "yes");
      dialog.close();
      if (typeof form.requestSubmit === "function") {
        form.requestSubmit();
      } else {
        clear(storedKeys());
        form.submit();
      }
    };
    dialog.showModal();
  });
})();
