/* Palaver dashboard: progressive enhancement only. Every form here works without it. */
(function () {
  "use strict";

  var live = document.getElementById("dash-live");

  function say(text, isError) {
    if (!live) return;
    var p = document.createElement("p");
    p.textContent = text;
    if (isError) p.className = "flash-error";
    live.replaceChildren(p);
  }

  // Copy the embed snippet, or select it where the clipboard API is unavailable.
  document.querySelectorAll("[data-copy-button]").forEach(function (button) {
    button.addEventListener("click", function () {
      var pre = document.getElementById(button.getAttribute("aria-controls"));
      function selectIt() {
        var range = document.createRange();
        range.selectNodeContents(pre);
        var selection = window.getSelection();
        selection.removeAllRanges();
        selection.addRange(range);
        var copied = false;
        try { copied = document.execCommand("copy"); } catch (e) { copied = false; }
        say(copied ? "Snippet copied." : "Snippet selected: press Ctrl+C (⌘C on a Mac) to copy it.");
      }
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(pre.textContent).then(function () {
          button.textContent = "Copied";
          say("Snippet copied.");
          setTimeout(function () { button.textContent = "Copy snippet"; }, 2000);
        }, selectIt);
      } else {
        selectIt();
      }
    });
  });

  // Ask before irreversible clicks.
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  }, true);

  // An import's page follows it through the admin API, then shows the report.
  var watch = document.querySelector("[data-import-watch]");
  if (watch) {
    var bar = document.getElementById("import-progress");
    var text = watch.querySelector("[data-import-text]");
    var poll = function () {
      fetch(watch.getAttribute("data-import-watch"), {
        credentials: "same-origin", headers: { Accept: "application/json" }
      }).then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.json();
      }).then(function (job) {
        if (job.status !== "queued" && job.status !== "running") {
          window.location.reload();
          return;
        }
        if (job.progress) {
          bar.value = job.progress.percent;
          bar.textContent = job.progress.percent + "%";
          var phase = job.progress.phase.charAt(0).toUpperCase() + job.progress.phase.slice(1);
          text.textContent = phase + ": " + job.progress.percent + "%, " +
            job.progress.comments + " comments read";
        }
        setTimeout(poll, 1000);
      }).catch(function () { setTimeout(poll, 3000); });
    };
    setTimeout(poll, 500);
  }

  var queue = document.querySelector("[data-queue]");
  if (!queue) return;
  var tab = queue.getAttribute("data-status");
  var bulk = document.querySelector("[data-bulk-form]");
  var pickAll = document.querySelector("[data-pick-all]");
  var picked = document.querySelector("[data-picked]");
  var help = document.getElementById("shortcuts");
  var current = null;

  function rows() { return Array.prototype.slice.call(queue.querySelectorAll(".row")); }

  function setCurrent(row, focus) {
    if (current) current.classList.remove("current");
    current = row;
    if (!row) return;
    row.classList.add("current");
    if (focus) row.focus();
    row.scrollIntoView({ block: "nearest" });
  }

  function updatePicked() {
    if (!bulk) return;
    var boxes = rows().map(function (row) { return row.querySelector(".pick"); });
    var n = boxes.filter(function (box) { return box && box.checked; }).length;
    picked.textContent = n ? n + " selected" : "Select all";
    pickAll.checked = n > 0 && n === boxes.length;
    pickAll.indeterminate = n > 0 && n < boxes.length;
    bulk.querySelectorAll(".bulk-buttons button").forEach(function (b) { b.disabled = n === 0; });
  }

  function fromHtml(html) {
    var template = document.createElement("template");
    template.innerHTML = html.trim();
    return template.content.firstElementChild;
  }

  function setCount(key, value) {
    var badge = document.querySelector('[data-count="' + key + '"]');
    if (badge) badge.textContent = value;
  }

  function apply(body) {
    Object.keys(body.rows).forEach(function (id) {
      var old = document.getElementById("c-" + id);
      if (!old) return;
      var wasCurrent = old === current || old.contains(document.activeElement);
      if (tab !== "all" && body.status[id] !== tab) {
        var list = rows();
        var index = list.indexOf(old);
        var next = list[index + 1] || list[index - 1] || null;
        old.remove();
        if (wasCurrent) setCurrent(next, true);
      } else {
        var fresh = fromHtml(body.rows[id]);
        old.replaceWith(fresh);
        if (wasCurrent) setCurrent(fresh, true);
      }
    });
    var total = 0;
    Object.keys(body.counts).forEach(function (key) {
      setCount(key, body.counts[key]);
      total += body.counts[key];
    });
    setCount("all", total);
    var empty = document.querySelector("[data-empty]");
    if (empty && !rows().length) {
      empty.hidden = false;
      if (bulk) bulk.hidden = true;
    }
    updatePicked();
    say(body.message);
  }

  // Send a form with fetch and update the page in place; anything unexpected (an expired
  // session, a CSRF failure) falls back to the ordinary form post.
  function send(form, submitter) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.set(submitter.name, submitter.value);
    var busy = form === bulk ? [] : [form.closest(".row")];
    busy.forEach(function (row) { if (row) row.classList.add("busy"); });
    fetch(form.action, {
      method: "POST",
      body: data,
      headers: { Accept: "application/json" },
      credentials: "same-origin",
    }).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") === -1) throw new Error("not json");
      return response.json().then(function (body) {
        if (!response.ok) {
          say(body.message || "That did not work.", true);
          return;
        }
        apply(body);
      });
    }).catch(function () {
      if (submitter && submitter.name) {
        var hidden = document.createElement("input");
        hidden.type = "hidden";
        hidden.name = submitter.name;
        hidden.value = submitter.value;
        form.appendChild(hidden);
      }
      form.submit();
    }).finally(function () {
      busy.forEach(function (row) { if (row) row.classList.remove("busy"); });
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented) return;
    if (!form.hasAttribute("data-action-form") && form !== bulk) return;
    event.preventDefault();
    send(form, event.submitter);
  });

  queue.addEventListener("focusin", function (event) {
    var row = event.target.closest(".row");
    if (row && row !== current) setCurrent(row, false);
  });
  queue.addEventListener("change", updatePicked);
  if (pickAll) {
    pickAll.addEventListener("change", function () {
      rows().forEach(function (row) { row.querySelector(".pick").checked = pickAll.checked; });
      updatePicked();
    });
    updatePicked();
  }

  var helpButton = document.querySelector("[data-help]");
  if (helpButton && help) helpButton.addEventListener("click", function () { help.showModal(); });

  var KEYED = { a: ["approve", "restore"], r: ["reject"], s: ["spam"], d: ["delete"] };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var target = event.target;
    if (target.closest("textarea, select, [contenteditable]")) return;
    if (target.matches("input") && target.type !== "checkbox") return;
    if (document.querySelector("dialog[open]")) return;
    var key = event.key;
    if (key === "?") {
      if (help) { event.preventDefault(); help.showModal(); }
      return;
    }
    if (key === "j" || key === "k") {
      var list = rows();
      if (!list.length) return;
      var index = list.indexOf(current);
      if (key === "j") index = Math.min(index + 1, list.length - 1);
      else index = Math.max(index - 1, 0);
      event.preventDefault();
      setCurrent(list[index], true);
      return;
    }
    var row = current || target.closest(".row");
    if (!row || !row.isConnected) return;
    if (key === "x") {
      var box = row.querySelector(".pick");
      box.checked = !box.checked;
      updatePicked();
      event.preventDefault();
      return;
    }
    if (key === "o") {
      window.location.href = row.querySelector(".context-link").href;
      return;
    }
    var names = KEYED[key];
    if (!names) return;
    event.preventDefault();
    for (var i = 0; i < names.length; i++) {
      var button = row.querySelector('button[data-action="' + names[i] + '"]');
      if (button) {
        button.form.requestSubmit(button);
        return;
      }
    }
    say("That action does not apply to this comment.", true);
  });
})();
