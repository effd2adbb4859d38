/* The live room page: docs/rooms.md ("The room page", and the WebSocket
 * protocol above it). Plain JavaScript, no build step, no requests to other
 * sites, no inline handlers. Message text only ever goes in with textContent.
 *
 * What it promises the person:
 * - nothing typed is lost: the draft is kept in localStorage as they type, and
 *   a sent message waits in an outbox (also in localStorage) until the server
 *   acknowledges it; after a reconnect unacknowledged messages are sent again
 *   with the same client_id, which the server stores once;
 * - a lost connection is said in plain words and retried, 1 s, 2 s, 4 s ... up
 *   to 30 s, for ever, unless the server said the room is closed or not theirs;
 * - new messages from others are announced once to screen readers.
 */
(function () {
  "use strict";

  var root = document.getElementById("room");
  if (!root || !("WebSocket" in window)) {
    return;
  }

  // --- the page's parts -------------------------------------------------------

  var roomId = root.dataset.room;
  var wsPath = root.dataset.wsPath;
  var log = document.getElementById("room-log");
  var logBox = document.getElementById("room-log-box");
  var empty = document.getElementById("room-empty");
  var outboxList = document.getElementById("room-outbox");
  var statusLine = document.getElementById("room-status");
  var retryButton = document.getElementById("room-retry");
  var announcer = document.getElementById("room-announce");
  var feedbackLine = document.getElementById("room-feedback");
  var earlier = document.getElementById("room-earlier");
  var composer = document.getElementById("composer");
  var box = document.getElementById("composer-body");
  var sendButton = document.getElementById("composer-send");
  var composerState = document.getElementById("composer-state");
  var composerError = document.getElementById("composer-error");
  var presentList = document.getElementById("room-present");
  var presentEmpty = document.getElementById("room-present-empty");
  var membersList = document.getElementById("room-members");
  var lockButton = document.getElementById("room-lock");
  var lockState = document.getElementById("room-lock-state");
  var reportsList = document.getElementById("room-reports");
  var reportsEmpty = document.getElementById("room-reports-empty");

  var me = {
    member: Number(root.dataset.member) || null,
    name: root.dataset.name || "",
    moderator: root.dataset.moderator === "true",
  };
  var locked = root.dataset.locked === "true";
  var mutedUntil = root.dataset.mutedUntil ? new Date(root.dataset.mutedUntil) : null;
  var more = root.dataset.more === "true";

  var HIDDEN_TEXT = "Hidden by a facilitator";
  var STOP = {
    4404: "This room is not open to you, or it no longer exists.",
    4403: "You have been removed from this room.",
    4000: "This room has closed.",
  };
  var PING_MS = 25000;
  var PONG_WAIT_MS = 10000;
  var READ_DEBOUNCE_MS = 1000;

  // --- storage: the draft and the outbox survive a reload or a lost signal ------

  var keyBase = "peercircle:room:" + roomId + ":" + (me.member || "0") + ":";
  var memoryStore = {};

  function load(name, fallback) {
    var raw = null;
    try {
      raw = window.localStorage.getItem(keyBase + name);
    } catch (e) {
      raw = memoryStore[name] || null;
    }
    if (raw === null) {
      return fallback;
    }
    try {
      return JSON.parse(raw);
    } catch (e) {
      return fallback;
    }
  }

  function save(name, value) {
    var raw = JSON.stringify(value);
    try {
      if (value === "" || (Array.isArray(value) && value.length === 0)) {
        window.localStorage.removeItem(keyBase + name);
      } else {
        window.localStorage.setItem(keyBase + name, raw);
      }
    } catch (e) {
      memoryStore[name] = raw;
    }
  }

  function newClientId() {
    if (window.crypto && typeof window.crypto.randomUUID === "function") {
      return window.crypto.randomUUID();
    }
    var bytes = new Uint8Array(16);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(bytes);
    } else {
      for (var i = 0; i < 16; i++) {
        bytes[i] = Math.floor(Math.random() * 256);
      }
    }
    return Array.prototype.map
      .call(bytes, function (b) {
        return (b < 16 ? "0" : "") + b.toString(16);
      })
      .join("");
  }

  var outbox = load("outbox", []);
  if (!Array.isArray(outbox)) {
    outbox = [];
  }

  // --- small helpers ------------------------------------------------------------

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) {
      node.className = className;
    }
    if (text !== undefined && text !== null) {
      node.textContent = text;
    }
    return node;
  }

  function button(label, className, hiddenLabel) {
    var node = el("button", className || "button-small button-secondary", label);
    node.type = "button";
    if (hiddenLabel) {
      node.appendChild(el("span", "visually-hidden", hiddenLabel));
    }
    return node;
  }

  function clock(iso) {
    var date = new Date(iso);
    if (isNaN(date.getTime())) {
      return "";
    }
    return date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function setStatus(text) {
    statusLine.textContent = text;
  }

  function feedback(text) {
    feedbackLine.textContent = "";
    if (text) {
      // A fresh text node each time, so the same words are announced again.
      window.setTimeout(function () {
        feedbackLine.textContent = text;
      }, 50);
    }
  }

  function announce(text) {
    var line = el("p", null, text);
    announcer.appendChild(line);
    while (announcer.childNodes.length > 5) {
      announcer.removeChild(announcer.firstChild);
    }
  }

  function nearBottom() {
    return logBox.scrollHeight - logBox.scrollTop - logBox.clientHeight < 80;
  }

  function scrollToEnd() {
    logBox.scrollTop = logBox.scrollHeight;
  }

  // --- the log: rows by seq, each once ---------------------------------------------

  var bySeq = new Map();
  var byId = new Map();
  var highest = { seq: 0, id: Number(root.dataset.lastId) || 0 };
  var lowestSeq = null;

  function indexRow(node) {
    var seq = Number(node.dataset.seq);
    var id = Number(node.dataset.id);
    bySeq.set(seq, node);
    byId.set(id, node);
    if (seq > highest.seq) {
      highest = { seq: seq, id: id };
    }
    if (lowestSeq === null || seq < lowestSeq) {
      lowestSeq = seq;
    }
    empty.hidden = true;
  }

  function place(node) {
    var seq = Number(node.dataset.seq);
    var after = log.lastElementChild;
    while (after && Number(after.dataset.seq) > seq) {
      after = after.previousElementSibling;
    }
    if (after) {
      after.insertAdjacentElement("afterend", node);
    } else {
      log.insertBefore(node, log.firstElementChild);
    }
  }

  function messageRow(frame) {
    var row = el("li", "msg");
    row.id = "msg-" + frame.id;
    row.dataset.seq = frame.seq;
    row.dataset.id = frame.id;
    row.dataset.member = frame.member === null || frame.member === undefined ? "" : frame.member;
    row.dataset.author = frame.author || "";
    if (me.member && frame.member === me.member) {
      row.classList.add("msg-mine");
    }
    var meta = el("p", "msg-meta");
    meta.appendChild(el("span", "msg-author", frame.author || "Someone who has left"));
    meta.appendChild(document.createTextNode(" "));
    var time = el("time", null, clock(frame.sent_at));
    time.setAttribute("datetime", frame.sent_at);
    meta.appendChild(time);
    row.appendChild(meta);
    row.appendChild(el("p", "msg-body", frame.body));
    if (frame.hidden) {
      row.classList.add("msg-hidden");
      if (frame.original) {
        row.appendChild(originalDetails(frame.original));
      }
    }
    if (frame.held) {
      row.classList.add("msg-held");
      var note = el(
        "p",
        "msg-held-note",
        frame.held_reason
          ? "Held for a facilitator: " + frame.held_reason
          : "Held back from the room: only facilitators and the writer can see it."
      );
      row.appendChild(note);
      if (me.moderator) {
        var release = button("Show to the room", null, " the message from " + (frame.author || "someone"));
        release.classList.add("msg-release");
        release.addEventListener("click", function () {
          if (send({ type: "release", id: frame.id })) {
            release.disabled = true;
          }
        });
        note.appendChild(document.createTextNode(" "));
        note.appendChild(release);
      }
    }
    return row;
  }

  function unmarkHeld(row) {
    row.classList.remove("msg-held");
    var note = row.querySelector(".msg-held-note");
    if (note) {
      note.remove();
    }
  }

  // --- safeguarding: the writer's support prompt, facilitators' alerts ----------

  function supportPrompt(frame) {
    var old = document.getElementById("room-support");
    if (old) {
      old.remove();
    }
    var panel = el("section", "room-support");
    panel.id = "room-support";
    panel.setAttribute("aria-labelledby", "room-support-title");
    panel.setAttribute("tabindex", "-1");
    var title = el("h2", null, "You're not alone");
    title.id = "room-support-title";
    panel.appendChild(title);
    panel.appendChild(el("p", null, frame.message));
    var list = el("ul", "room-support-list");
    (frame.resources || []).forEach(function (item) {
      var li = el("li");
      li.appendChild(el("strong", null, item.name));
      if (item.phone) {
        li.appendChild(document.createTextNode(" "));
        var call = el("a", null, "Call " + item.phone);
        call.href = item.tel;
        li.appendChild(call);
      }
      if (item.text_number) {
        li.appendChild(document.createTextNode(" · Text " + item.text_number));
      }
      if (item.url) {
        li.appendChild(document.createTextNode(" · "));
        var link = el("a", null, "Website");
        link.href = item.url;
        link.rel = "noopener";
        li.appendChild(link);
      }
      if (item.hours) {
        li.appendChild(document.createTextNode(" (" + item.hours + ")"));
      }
      list.appendChild(li);
    });
    panel.appendChild(list);
    var close = button("Close this message");
    close.addEventListener("click", function () {
      panel.remove();
      box.focus();
    });
    panel.appendChild(close);
    composer.parentNode.insertBefore(panel, composer);
    announce(frame.message);
  }

  function facilitatorAlert(frame) {
    var list = document.getElementById("room-alerts");
    if (!list) {
      return;
    }
    var item = el("li", "room-alert room-alert-" + frame.level);
    item.appendChild(el("p", null, frame.message));
    list.appendChild(item);
    list.hidden = false;
    announce(frame.message);
  }

  function noticeRow(frame) {
    var row = el("li", "notice notice-" + frame.kind);
    row.id = "msg-" + frame.id;
    row.dataset.seq = frame.seq;
    row.dataset.id = frame.id;
    var p = el("p", null, frame.text + " ");
    var time = el("time", null, clock(frame.sent_at));
    time.setAttribute("datetime", frame.sent_at);
    p.appendChild(time);
    row.appendChild(p);
    return row;
  }

  function originalDetails(text) {
    var details = el("details", "msg-original");
    details.appendChild(el("summary", null, "What it said (only facilitators see this)"));
    details.appendChild(el("p", "msg-body", text));
    return details;
  }

  function markHidden(row, original) {
    if (row.classList.contains("msg-hidden")) {
      return;
    }
    var body = row.querySelector(".msg-body");
    var text = body ? body.textContent : "";
    row.classList.add("msg-hidden");
    if (body) {
      body.textContent = HIDDEN_TEXT;
    }
    var actions = row.querySelector(".msg-actions");
    if (actions) {
      actions.remove();
    }
    var form = row.querySelector(".report-form");
    if (form) {
      form.remove();
    }
    if (me.moderator && (original || text)) {
      row.appendChild(originalDetails(original || text));
    }
  }

  /** Add one row of the room's log. ``live``: it arrived now, not from history. */
  function addRow(frame, live) {
    if (frame.type === "skip") {
      // A message held for a facilitator: its place in the log, nothing to show.
      if (frame.seq > highest.seq) {
        highest = { seq: frame.seq, id: Number(frame.id) };
      }
      if (lowestSeq === null || frame.seq < lowestSeq) {
        lowestSeq = frame.seq;
      }
      return false;
    }
    if (frame.type === "notice" && frame.kind === "released" && frame.message) {
      var shown = byId.get(Number(frame.message.id));
      if (shown) {
        unmarkHeld(shown);
      } else {
        addRow(frame.message, live);
      }
    }
    var existing = bySeq.get(frame.seq);
    if (existing) {
      if (frame.type === "message" && frame.hidden) {
        markHidden(existing, frame.original);
      }
      return false;
    }
    var stick = nearBottom();
    var row = frame.type === "notice" ? noticeRow(frame) : messageRow(frame);
    place(row);
    indexRow(row);
    if (frame.type === "message") {
      addActions(row);
    }
    if (frame.type === "notice" && frame.kind === "hidden" && frame.target) {
      var target = byId.get(frame.target);
      if (target) {
        markHidden(target);
      }
    }
    if (live) {
      if (frame.type === "message" && frame.member !== me.member) {
        announce((frame.author || "Someone") + ": " + frame.body);
      } else if (frame.type === "notice") {
        announce(frame.text);
        if (frame.kind === "locked" || frame.kind === "unlocked") {
          setLocked(frame.kind === "locked");
        }
      }
      if (stick) {
        scrollToEnd();
      }
      markReadSoon();
    }
    return true;
  }

  // --- per-message actions: Hide for facilitators, Report for members -----------

  function addActions(row) {
    if (row.classList.contains("msg-hidden") || row.querySelector(".msg-actions")) {
      return;
    }
    var id = Number(row.dataset.id);
    var author = row.dataset.author || "someone";
    var when = (row.querySelector("time") || {}).textContent || "";
    var about = " the message from " + author + (when ? " at " + when : "");
    var actions = el("div", "msg-actions");
    if (me.moderator && root.dataset.concernUrl && row.dataset.member && Number(row.dataset.member) !== me.member) {
      var concern = el("a", "button-small button-secondary concern-link", "Raise a concern");
      concern.href = root.dataset.concernUrl + "&member=" + Number(row.dataset.member) + "&message=" + id;
      concern.appendChild(el("span", "visually-hidden", about));
      actions.appendChild(concern);
    }
    if (me.moderator) {
      var hide = button("Hide", null, about);
      hide.addEventListener("click", function () {
        if (send({ type: "hide", id: id })) {
          hide.disabled = true;
          hide.classList.add("busy");
          hide.firstChild.textContent = "Hiding…";
        } else {
          feedback("You are offline, so the message was not hidden. Try again when connected.");
        }
      });
      actions.appendChild(hide);
    } else if (String(row.dataset.member) !== String(me.member)) {
      var report = button("Report", null, about);
      report.setAttribute("aria-expanded", "false");
      report.addEventListener("click", function () {
        openReport(row, report, id);
      });
      actions.appendChild(report);
    }
    if (actions.childNodes.length) {
      row.appendChild(actions);
    }
  }

  function openReport(row, opener, id) {
    var existing = row.querySelector(".report-form");
    if (existing) {
      existing.querySelector("input").focus();
      return;
    }
    var form = el("form", "report-form");
    form.noValidate = true;
    var fieldId = "report-" + id;
    var label = el("label", null, "What worries you about this message?");
    label.htmlFor = fieldId;
    var hint = el("span", "hint", "A facilitator will see this. The writer will not know it was you.");
    hint.id = fieldId + "-hint";
    var input = el("input");
    input.type = "text";
    input.id = fieldId;
    input.maxLength = 500;
    input.setAttribute("aria-describedby", hint.id + " " + fieldId + "-error");
    var error = el("p", "field-error");
    error.id = fieldId + "-error";
    var submit = el("button", "button-small", "Send report");
    submit.type = "submit";
    var cancel = button("Cancel");
    form.appendChild(label);
    form.appendChild(hint);
    form.appendChild(input);
    form.appendChild(error);
    form.appendChild(submit);
    form.appendChild(document.createTextNode(" "));
    form.appendChild(cancel);
    function close() {
      form.remove();
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    }
    cancel.addEventListener("click", close);
    form.addEventListener("keydown", function (event) {
      if (event.key === "Escape") {
        close();
      }
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var reason = input.value.trim();
      if (!reason) {
        error.textContent = "Say in a few words what worries you.";
        input.focus();
        return;
      }
      if (!send({ type: "report", id: id, reason: reason })) {
        error.textContent = "You are offline, so the report was not sent. Try again when connected.";
        return;
      }
      error.textContent = "";
      submit.disabled = true;
      submit.classList.add("busy");
      submit.textContent = "Sending…";
    });
    row.appendChild(form);
    opener.setAttribute("aria-expanded", "true");
    input.focus();
  }

  function noteReport(frame, quietly) {
    // To facilitators: an open report in this room. The same report can come
    // twice (in a welcome after a reconnect, and live); it is listed once.
    if (!reportsList || reportsList.querySelector('[data-report="' + Number(frame.report) + '"]')) {
      return;
    }
    var row = byId.get(Number(frame.id));
    var who = frame.author || (row ? row.dataset.author : "") || "someone";
    var item = el("li");
    item.dataset.report = String(Number(frame.report));
    item.appendChild(
      el("p", null, "A message from " + who + " was reported. Reload the page to read the report and act on it.")
    );
    reportsList.appendChild(item);
    if (reportsEmpty) {
      reportsEmpty.hidden = true;
    }
    if (!quietly) {
      announce("A message from " + who + " was reported.");
    }
  }

  function reported(frame) {
    if (frame.report !== undefined && frame.message === undefined) {
      noteReport(frame, false);
      return;
    }
    var target = byId.get(Number(frame.id));
    var form = target ? target.querySelector(".report-form") : null;
    var thanks = el("p", "report-thanks", frame.message);
    thanks.setAttribute("tabindex", "-1");
    if (form) {
      form.replaceWith(thanks);
      var opener = target.querySelector(".msg-actions button");
      if (opener) {
        opener.disabled = true;
        opener.setAttribute("aria-expanded", "false");
        opener.firstChild.textContent = "Reported";
      }
      thanks.focus();
    }
    feedback(frame.message);
  }

  // --- the composer -----------------------------------------------------------------

  var muteTimer = null;

  function blockedReason() {
    if (stopped) {
      return stoppedText;
    }
    if (mutedUntil && mutedUntil > new Date()) {
      return "A facilitator has paused your messages until " + clock(mutedUntil.toISOString()) + ". You can still read.";
    }
    if (locked && !me.moderator) {
      return "The conversation is paused: only facilitators can write now. Your text stays in the box.";
    }
    return "";
  }

  function refreshComposer() {
    var reason = blockedReason();
    composerState.textContent = reason;
    composerState.hidden = !reason;
    sendButton.disabled = !!reason;
    window.clearTimeout(muteTimer);
    if (mutedUntil && mutedUntil > new Date()) {
      muteTimer = window.setTimeout(refreshComposer, Math.min(mutedUntil - new Date() + 500, 2147483000));
    }
  }

  function setLocked(value) {
    locked = value;
    if (lockState) {
      lockState.textContent = value
        ? "The conversation is paused: only facilitators can write."
        : "Everyone in the room can write.";
    }
    if (lockButton) {
      lockButton.textContent = value ? "Open the conversation again" : "Pause the conversation";
      lockButton.disabled = false;
    }
    refreshComposer();
  }

  function composerMessage(text) {
    composerError.textContent = text || "";
  }

  function restoreText(text) {
    var now = box.value;
    box.value = now.trim() ? text + "\n\n" + now : text;
    save("draft", box.value);
  }

  function pendingRow(entry) {
    var item = el("li", "msg msg-mine msg-pending");
    item.dataset.clientId = entry.client_id;
    item.appendChild(el("p", "msg-body", entry.body));
    item.appendChild(el("p", "msg-meta", "Sending…"));
    outboxList.appendChild(item);
    return item;
  }

  function dropPending(clientId) {
    outbox = outbox.filter(function (entry) {
      return entry.client_id !== clientId;
    });
    save("outbox", outbox);
    var item = outboxList.querySelector('[data-client-id="' + CSS.escape(clientId) + '"]');
    if (item) {
      item.remove();
    }
  }

  function submitComposer() {
    var text = box.value;
    if (!text.trim()) {
      composerMessage("Write something before sending.");
      box.focus();
      return;
    }
    var reason = blockedReason();
    if (reason) {
      composerMessage(reason);
      return;
    }
    var entry = { client_id: newClientId(), body: text, at: Date.now() };
    outbox.push(entry);
    save("outbox", outbox);
    pendingRow(entry);
    box.value = "";
    save("draft", "");
    composerMessage("");
    send({ type: "send", body: entry.body, client_id: entry.client_id });
    scrollToEnd();
    box.focus();
  }

  function flushOutbox() {
    outbox.forEach(function (entry) {
      send({ type: "send", body: entry.body, client_id: entry.client_id });
    });
  }

  // --- who is here -------------------------------------------------------------------

  function showPresent(people) {
    presentList.textContent = "";
    people.forEach(addPresent);
    presentEmpty.hidden = presentList.childNodes.length > 0;
  }

  function addPresent(person) {
    if (presentList.querySelector('[data-member="' + Number(person.member) + '"]')) {
      return;
    }
    var item = el("li", null, person.name + (person.member === me.member ? " (you)" : ""));
    item.dataset.member = person.member;
    presentList.appendChild(item);
    presentEmpty.hidden = true;
    addMemberRow(person);
  }

  function removePresent(memberId) {
    var item = presentList.querySelector('[data-member="' + Number(memberId) + '"]');
    if (item) {
      item.remove();
    }
    presentEmpty.hidden = presentList.childNodes.length > 0;
  }

  // --- facilitators: people and the conversation -------------------------------

  var muteMinutes = {};

  function memberRow(memberId) {
    return membersList ? membersList.querySelector('[data-member="' + Number(memberId) + '"]') : null;
  }

  function addMemberRow(person) {
    if (!membersList || person.member === me.member || memberRow(person.member)) {
      return;
    }
    var item = el("li");
    item.dataset.member = person.member;
    item.dataset.name = person.name;
    item.appendChild(el("span", "member-name", person.name));
    item.appendChild(document.createTextNode(" "));
    item.appendChild(el("span", "member-state"));
    membersList.appendChild(item);
    memberControls(item);
  }

  function memberControls(item) {
    if (item.querySelector(".member-controls")) {
      return;
    }
    var memberId = Number(item.dataset.member);
    var name = item.dataset.name;
    var controls = el("div", "member-controls");
    function action(label, frame, minutes) {
      var control = button(label, null, " " + name);
      control.addEventListener("click", function () {
        if (minutes) {
          muteMinutes[memberId] = minutes;
        }
        if (!send(frame)) {
          feedback("You are offline, so nothing changed. Try again when connected.");
        }
      });
      controls.appendChild(control);
      controls.appendChild(document.createTextNode(" "));
    }
    action("Mute 10 minutes", { type: "mute", member: memberId, minutes: 10 }, 10);
    action("Mute 1 hour", { type: "mute", member: memberId, minutes: 60 }, 60);
    action("Unmute", { type: "unmute", member: memberId });
    var remove = button("Remove…", null, " " + name + " from this room");
    remove.setAttribute("aria-expanded", "false");
    controls.appendChild(remove);
    remove.addEventListener("click", function () {
      var open = item.querySelector(".remove-form");
      if (open) {
        open.querySelector("input").focus();
        return;
      }
      var form = el("form", "remove-form");
      form.noValidate = true;
      var fieldId = "remove-" + memberId;
      var label = el("label", null, "Why are you removing " + name + "? (kept in the record)");
      label.htmlFor = fieldId;
      var input = el("input");
      input.type = "text";
      input.id = fieldId;
      input.maxLength = 240;
      var error = el("p", "field-error");
      error.id = fieldId + "-error";
      input.setAttribute("aria-describedby", error.id);
      var confirm = el("button", "button-small button-danger", "Remove from this room");
      confirm.type = "submit";
      var cancel = button("Cancel");
      form.appendChild(label);
      form.appendChild(input);
      form.appendChild(error);
      form.appendChild(confirm);
      form.appendChild(document.createTextNode(" "));
      form.appendChild(cancel);
      function close() {
        form.remove();
        remove.setAttribute("aria-expanded", "false");
        remove.focus();
      }
      cancel.addEventListener("click", close);
      form.addEventListener("keydown", function (event) {
        if (event.key === "Escape") {
          close();
        }
      });
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var reason = input.value.trim();
        if (!reason) {
          error.textContent = "Say briefly why; it stays in the record.";
          input.focus();
          return;
        }
        if (!send({ type: "remove", member: memberId, reason: reason })) {
          error.textContent = "You are offline, so nobody was removed. Try again when connected.";
        }
      });
      item.appendChild(form);
      remove.setAttribute("aria-expanded", "true");
      input.focus();
    });
    item.appendChild(controls);
  }

  function done(frame) {
    var item = memberRow(frame.member);
    var name = item ? item.dataset.name : "The person";
    var state = item ? item.querySelector(".member-state") : null;
    var text = "";
    if (frame.action === "mute") {
      var minutes = muteMinutes[frame.member] || 10;
      var until = new Date(Date.now() + minutes * 60000);
      text = name + " is muted until " + clock(until.toISOString()) + ".";
      if (state) {
        state.textContent = "Muted until " + clock(until.toISOString());
      }
    } else if (frame.action === "unmute") {
      text = name + " can write again.";
      if (state) {
        state.textContent = "";
      }
    } else if (frame.action === "remove") {
      text = name + " has been removed from this room.";
      if (state) {
        state.textContent = "Removed";
      }
      if (item) {
        var controls = item.querySelector(".member-controls");
        var form = item.querySelector(".remove-form");
        if (controls) {
          controls.remove();
        }
        if (form) {
          form.remove();
        }
      }
    }
    feedback(text);
  }

  // --- the connection -------------------------------------------------------------

  var socket = null;
  var ready = false;
  var stopped = false;
  var stoppedText = "";
  var attempt = 0;
  var retryTimer = null;
  var pingTimer = null;
  var pongTimer = null;
  var readTimer = null;
  var readSent = 0;
  var historyWanted = false;
  var removedText = "";

  function send(frame) {
    if (!socket || !ready || socket.readyState !== WebSocket.OPEN) {
      return false;
    }
    socket.send(JSON.stringify(frame));
    return true;
  }

  function connect() {
    window.clearTimeout(retryTimer);
    retryButton.hidden = true;
    if (stopped) {
      return;
    }
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var url = scheme + "//" + window.location.host + wsPath;
    if (highest.id) {
      url += "?last_id=" + encodeURIComponent(highest.id);
    }
    if (attempt === 0 && !statusLine.textContent) {
      setStatus("Connecting…");
    }
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      lost();
      return;
    }
    socket = ws;
    ws.addEventListener("message", function (event) {
      if (socket !== ws) {
        return;
      }
      var frame;
      try {
        frame = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handle(frame);
    });
    ws.addEventListener("close", function (event) {
      if (socket !== ws) {
        return;
      }
      socket = null;
      ready = false;
      stopTimers();
      if (STOP[event.code]) {
        stop(event.code);
      } else {
        lost();
      }
    });
  }

  function lost() {
    ready = false;
    if (stopped) {
      return;
    }
    var seconds = Math.min(30, Math.pow(2, attempt));
    attempt += 1;
    setStatus(
      "Connection lost. Trying again in " + seconds + (seconds === 1 ? " second…" : " seconds…") +
        (outbox.length ? " Your unsent messages are kept and will be sent when it is back." : "")
    );
    retryButton.hidden = false;
    retryTimer = window.setTimeout(connect, seconds * 1000);
  }

  function drop() {
    // The line went quiet (a phone asleep, a dead Wi-Fi): give up on this socket.
    var ws = socket;
    socket = null;
    stopTimers();
    if (ws) {
      try {
        ws.close();
      } catch (e) {
        /* already closed */
      }
    }
    lost();
  }

  function stop(code) {
    stopped = true;
    ready = false;
    window.clearTimeout(retryTimer);
    retryButton.hidden = true;
    stoppedText = STOP[code];
    if (code === 4403) {
      stoppedText = "You have been removed from this room." + (removedText ? " " + removedText : "");
    } else if (code === 4000 && closedText) {
      stoppedText = closedText;
    }
    setStatus(stoppedText);
    // Nothing waiting to be sent is lost: it goes back into the box.
    outbox.slice().reverse().forEach(function (entry) {
      dropPending(entry.client_id);
      restoreText(entry.body);
    });
    refreshComposer();
  }

  function stopTimers() {
    window.clearInterval(pingTimer);
    window.clearTimeout(pongTimer);
    pingTimer = null;
    pongTimer = null;
  }

  function startTimers() {
    stopTimers();
    pingTimer = window.setInterval(function () {
      if (send({ type: "ping" })) {
        window.clearTimeout(pongTimer);
        pongTimer = window.setTimeout(drop, PONG_WAIT_MS);
      }
    }, PING_MS);
  }

  function markReadSoon() {
    window.clearTimeout(readTimer);
    readTimer = window.setTimeout(function () {
      if (document.visibilityState === "visible" && highest.seq > readSent && send({ type: "read", seq: highest.seq })) {
        readSent = highest.seq;
      }
    }, READ_DEBOUNCE_MS);
  }

  var closedText = "";

  function handle(frame) {
    switch (frame.type) {
      case "welcome":
        ready = true;
        attempt = 0;
        me.member = frame.me.member;
        me.moderator = !!frame.me.moderator;
        mutedUntil = frame.me.muted_until ? new Date(frame.me.muted_until) : null;
        setStatus("Connected. New messages appear as they are sent.");
        retryButton.hidden = true;
        showPresent(frame.present || []);
        (frame.reports || []).forEach(function (notice) {
          noteReport(notice, true);
        });
        setLocked(!!frame.room.locked);
        startTimers();
        flushOutbox();
        markReadSoon();
        break;
      case "message":
      case "notice":
        addRow(frame, true);
        break;
      case "history":
        history(frame);
        break;
      case "ack":
        dropPending(frame.client_id);
        break;
      case "presence":
        if (Array.isArray(frame.present)) {
          showPresent(frame.present);
        }
        if (frame.joined) {
          addPresent(frame.joined);
        }
        if (frame.left !== undefined) {
          removePresent(frame.left);
        }
        break;
      case "error":
        refused(frame);
        break;
      case "reported":
        reported(frame);
        break;
      case "skip":
        addRow(frame, true);
        break;
      case "support":
        supportPrompt(frame);
        break;
      case "alert":
        facilitatorAlert(frame);
        break;
      case "done":
        done(frame);
        break;
      case "removed":
        removedText = frame.message || "";
        break;
      case "pong":
        window.clearTimeout(pongTimer);
        break;
      default:
        break;
    }
  }

  function refused(frame) {
    if (frame.client_id) {
      var entry = outbox.find(function (item) {
        return item.client_id === frame.client_id;
      });
      if (entry) {
        dropPending(entry.client_id);
        restoreText(entry.body);
      }
      if (frame.code === "muted" && frame.until) {
        mutedUntil = new Date(frame.until);
      }
      if (frame.code === "locked") {
        locked = true;
      }
      refreshComposer();
      composerMessage(frame.message);
      return;
    }
    if (frame.code === "closed") {
      closedText = frame.message;
      return;
    }
    if (frame.code === "not_found" && frame.message && !ready) {
      return; // the close code that follows says it
    }
    // A refused facilitator action, a report: say it, and undo "Sending…" states.
    log.querySelectorAll(".msg-actions button.busy").forEach(function (control) {
      control.classList.remove("busy");
      control.disabled = false;
      control.firstChild.textContent = "Hide";
    });
    log.querySelectorAll(".report-form button.busy").forEach(function (control) {
      control.classList.remove("busy");
      control.disabled = false;
      control.textContent = "Send report";
    });
    feedback(frame.message);
  }

  function history(frame) {
    var rows = frame.messages || [];
    var hadRows = bySeq.size > 0;
    var wanted = historyWanted;
    historyWanted = false;
    var before = logBox.scrollHeight;
    var top = logBox.scrollTop;
    var added = 0;
    rows.forEach(function (row) {
      if (addRow(row, false)) {
        added += 1;
      }
    });
    if (wanted) {
      more = !!frame.more;
      logBox.scrollTop = top + (logBox.scrollHeight - before);
      showEarlier();
      feedback(added ? added + " earlier message" + (added === 1 ? "" : "s") + " loaded." : "There are no earlier messages.");
      if (!more) {
        logBox.focus();
      }
    } else if (!hadRows) {
      more = !!frame.more;
      showEarlier();
      scrollToEnd();
    }
  }

  // --- "Load earlier messages" -------------------------------------------------------

  var earlierButton = null;

  function showEarlier() {
    if (!earlier) {
      return;
    }
    if (!earlierButton) {
      var form = document.getElementById("room-earlier-form");
      earlierButton = form ? form.querySelector("button") : null;
      if (!earlierButton) {
        form = el("form");
        form.id = "room-earlier-form";
        form.method = "get";
        earlierButton = el("button", "button-secondary button-small", "Load earlier messages");
        earlierButton.type = "submit";
        earlierButton.name = "before";
        form.appendChild(earlierButton);
        earlier.insertBefore(form, earlier.firstChild);
      }
      form.addEventListener("submit", function (event) {
        if (lowestSeq !== null && send({ type: "history", before_seq: lowestSeq })) {
          event.preventDefault();
          historyWanted = true;
          earlierButton.textContent = "Loading…";
        }
        // Offline: the form loads the earlier page from the server instead.
      });
    }
    earlierButton.value = lowestSeq === null ? "" : String(lowestSeq);
    earlierButton.textContent = "Load earlier messages";
    earlierButton.closest("form").hidden = !more;
  }

  // --- start -------------------------------------------------------------------------

  // Without JavaScript facilitators hide with a form per message; here a button does it.
  document.querySelectorAll("#room .nojs").forEach(function (node) {
    node.remove();
  });
  document.querySelectorAll("#room .js-only").forEach(function (node) {
    node.hidden = false;
  });
  Array.prototype.forEach.call(log.children, function (row) {
    indexRow(row);
    if (row.classList.contains("msg")) {
      addActions(row);
    }
  });
  if (membersList) {
    Array.prototype.forEach.call(membersList.children, memberControls);
  }
  if (lowestSeq !== null || more) {
    showEarlier();
  }
  outbox.forEach(pendingRow);
  if (!box.value) {
    box.value = load("draft", "") || "";
  }
  refreshComposer();
  scrollToEnd();

  box.addEventListener("input", function () {
    save("draft", box.value);
    if (composerError.textContent && box.value.trim()) {
      composerMessage("");
    }
  });
  box.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.altKey && !event.ctrlKey && !event.metaKey && !event.isComposing) {
      event.preventDefault();
      submitComposer();
    }
  });
  composer.addEventListener("submit", function (event) {
    event.preventDefault();
    submitComposer();
  });
  retryButton.addEventListener("click", function () {
    attempt = 0;
    setStatus("Trying again…");
    connect();
  });
  if (lockButton) {
    lockButton.addEventListener("click", function () {
      if (send({ type: locked ? "unlock" : "lock" })) {
        lockButton.disabled = true;
      } else {
        feedback("You are offline, so nothing changed. Try again when connected.");
      }
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      markReadSoon();
      if (!socket && !stopped) {
        connect();
      }
    }
  });
  window.addEventListener("online", function () {
    if (!socket && !stopped) {
      attempt = 0;
      connect();
    }
  });

  connect();
})();
