/* Palaver comments: renders this page's thread into #palaver-thread. Options are the
   script's data-* attributes; the API is the script's own origin. See docs/widget.md. */
(() => {
  "use strict";
  const script =
    document.currentScript || document.querySelector('script[src*="/embed.js"][data-url]');
  if (!script || window.Palaver) return;
  const opt = script.dataset;
  const API = new URL(script.src).origin;
  const STORE = "palaver:" + API; // one reader identity per site, whatever page embeds it
  const loadedAt = Date.now();

  const STRINGS = {
    en: {
      one: "1 comment", many: "{n} comments", loading: "Loading comments…", sort: "Sort",
      oldest: "Oldest", newest: "Newest", top: "Top", more: "Load more comments",
      empty: "No comments yet. Start the conversation!", loadErr: "Comments could not be loaded.",
      retry: "Try again", write: "Write a comment", replyTo: "Reply to {name}", name: "Name",
      email: "Email (not shown)", hint: "Markdown: **bold**, *italic*, `code`, [link](url)",
      post: "Post comment", reply: "Reply", cancel: "Cancel", edit: "Edit", save: "Save",
      del: "Delete", confirmDel: "Really delete?", sending: "Sending…",
      pending: "Awaiting moderation", deleted: "This comment was deleted.", pinned: "Pinned",
      edited: "edited", guest: "Guest", up: "Upvote", down: "Downvote", flag: "Flag",
      reason: "Reason", spam: "Spam", abuse: "Abuse", off_topic: "Off topic", other: "Other",
      report: "Report", flagged: "Thanks, a moderator will take a look.",
      collapse: "Collapse", expand: "Expand ({n} more)", closed: "Comments are closed.",
      noGuests: "Sign in on this site to comment.", rate: "Too many requests. Try again in {n} s.",
      netErr: "Network error. Please try again.", editClosed: "The time for editing is over.",
      posted: "Your comment was posted.", held: "Your comment is awaiting moderation.",
      newOne: "New comment by {name}", now: "just now",
    },
    es: {
      one: "1 comentario", many: "{n} comentarios", loading: "Cargando comentarios…",
      sort: "Ordenar", oldest: "Antiguos", newest: "Recientes", top: "Mejores",
      more: "Cargar más comentarios", empty: "Aún no hay comentarios. ¡Empieza tú!",
      loadErr: "No se pudieron cargar los comentarios.", retry: "Reintentar",
      write: "Escribe un comentario", replyTo: "Responder a {name}", name: "Nombre",
      email: "Correo (no se muestra)",
      hint: "Markdown: **negrita**, *cursiva*, `código`, [enlace](url)",
      post: "Publicar", reply: "Responder", cancel: "Cancelar", edit: "Editar", save: "Guardar",
      del: "Eliminar", confirmDel: "¿Eliminar?", sending: "Enviando…",
      pending: "Pendiente de moderación", deleted: "Este comentario fue eliminado.",
      pinned: "Fijado", edited: "editado", guest: "Invitado", up: "Votar a favor",
      down: "Votar en contra", flag: "Denunciar", reason: "Motivo", spam: "Spam",
      abuse: "Abuso", off_topic: "Fuera de tema", other: "Otro", report: "Denunciar",
      flagged: "Gracias, un moderador lo revisará.", collapse: "Contraer",
      expand: "Expandir ({n} más)", closed: "Los comentarios están cerrados.",
      noGuests: "Inicia sesión en este sitio para comentar.",
      rate: "Demasiadas solicitudes. Reintenta en {n} s.", netErr: "Error de red. Reintenta.",
      editClosed: "El plazo de edición terminó.", posted: "Tu comentario se publicó.",
      held: "Tu comentario espera moderación.", newOne: "Nuevo comentario de {name}",
      now: "ahora mismo",
     
    },
    de: {
      one: "1 Kommentar", many: "{n} Kommentare", loading: "Kommentare werden geladen…",
      sort: "Sortieren", oldest: "Älteste", newest: "Neueste", top: "Beste",
      more: "Weitere Kommentare laden", empty: "Noch keine Kommentare. Schreib den ersten!",
      loadErr: "Kommentare konnten nicht geladen werden.", retry: "Erneut versuchen",
      write: "Kommentar schreiben", replyTo: "Antwort an {name}", name: "Name",
      email: "E-Mail (nicht sichtbar)", hint: "Markdown: **fett**, *kursiv*, `Code`, [Link](url)",
      post: "Senden", reply: "Antworten", cancel: "Abbrechen", edit: "Bearbeiten",
      save: "Speichern", del: "Löschen", confirmDel: "Wirklich löschen?", sending: "Senden…",
      pending: "Wartet auf Freigabe", deleted: "Dieser Kommentar wurde gelöscht.",
      pinned: "Angeheftet", edited: "bearbeitet", guest: "Gast", up: "Positiv bewerten",
      down: "Negativ bewerten", flag: "Melden", reason: "Grund", spam: "Spam",
      abuse: "Missbrauch", off_topic: "Themenfremd", other: "Sonstiges", report: "Melden",
      flagged: "Danke, ein Moderator sieht es sich an.", collapse: "Einklappen",
      expand: "Ausklappen ({n} weitere)", closed: "Die Kommentare sind geschlossen.",
      noGuests: "Melde dich auf dieser Seite an, um zu kommentieren.",
      rate: "Zu viele Anfragen. Versuch es in {n} s erneut.",
      netErr: "Netzwerkfehler. Bitte erneut versuchen.", editClosed: "Die Bearbeitungszeit ist vorbei.",
      posted: "Dein Kommentar ist online.", held: "Dein Kommentar wartet auf Freigabe.",
      newOne: "Neuer Kommentar von {name}", now: "gerade eben",
    },
  };
  const requested = (opt.locale || navigator.language || "en").slice(0, 2).toLowerCase();
  const LANG = STRINGS[requested] ? requested : "en";
  const t = (key, vars) => STRINGS[LANG][key].replace(/\{(\w+)\}/g, (_, name) => vars[name]);

  const CSS = `
:host{all:initial;display:block;--palaver-accent:#0b6bcb;--palaver-on-accent:#fff;
  --palaver-bg:#fff;--palaver-surface:#f3f5f7;--palaver-text:#1f2328;--palaver-muted:#59636e;
  --palaver-border:#d5dbe1;--palaver-danger:#c4262e;--palaver-pending:#8a5a00;
  --palaver-radius:10px;--palaver-font:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;
  --palaver-font-size:15px}
:host([data-theme=dark]){--palaver-accent:#6cb4ff;--palaver-on-accent:#0d1117;--palaver-bg:#0d1117;
  --palaver-surface:#1b222c;--palaver-text:#e6edf3;--palaver-muted:#9198a1;--palaver-border:#323a45;
  --palaver-danger:#ff7b72;--palaver-pending:#e3b341}
@media (prefers-color-scheme:dark){:host([data-theme=auto]){--palaver-accent:#6cb4ff;
  --palaver-on-accent:#0d1117;--palaver-bg:#0d1117;--palaver-surface:#1b222c;--palaver-text:#e6edf3;
  --palaver-muted:#9198a1;--palaver-border:#323a45;--palaver-danger:#ff7b72;--palaver-pending:#e3b341}}
*,::before,::after{box-sizing:border-box}
.pv{font:400 var(--palaver-font-size)/1.5 var(--palaver-font);color:var(--palaver-text);
  background:var(--palaver-bg);padding:16px;border-radius:var(--palaver-radius);text-align:left;
  overflow-wrap:anywhere;min-width:0}
a{color:var(--palaver-accent)}
button{font:inherit;color:inherit;background:none;border:0;border-radius:6px;
  padding:4px 8px;cursor:pointer;min-height:30px}
button:hover{background:var(--palaver-surface)}
button:disabled{opacity:.6;cursor:default}
.pv-primary{background:var(--palaver-accent);color:var(--palaver-on-accent);font-weight:600;
  padding:6px 14px}
.pv-primary:hover{background:var(--palaver-accent);filter:brightness(1.1)}
:focus-visible{outline:2px solid var(--palaver-accent);outline-offset:1px}
textarea,input,select{font:inherit;color:inherit;background:var(--palaver-bg);
  border:1px solid var(--palaver-border);border-radius:6px;padding:7px 9px;width:100%}
textarea{resize:vertical;min-height:4.5em}
.pv-top{display:flex;flex-wrap:wrap;gap:8px;justify-content:space-between;align-items:center;
  border-bottom:1px solid var(--palaver-border);padding-bottom:8px}
h2{font-size:1.15em;margin:0}
.pv-sort button[aria-pressed=true]{background:var(--palaver-surface);font-weight:600}
.pv-form{display:grid;gap:6px;margin:12px 0}
.pv-row{display:flex;flex-wrap:wrap;gap:6px 10px;align-items:end}
.pv-row label{flex:1 1 160px;font-size:.85em;color:var(--palaver-muted)}
.pv-end{margin-left:auto;display:flex;gap:6px}
[hidden]{display:none!important}
.pv-hint,.pv-muted,time{font-size:.85em;color:var(--palaver-muted)}
.pv-msg{margin:0;font-size:.9em;color:var(--palaver-danger)}
.pv-msg ul{margin:0;padding-left:1.2em}
.pv-ok{color:var(--palaver-muted)}
.pv-hp,.pv-sr{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%);
  white-space:nowrap}
.pv-c{margin-top:14px}
.pv-head{display:flex;flex-wrap:wrap;align-items:center;gap:2px 8px}
.pv-av{width:28px;height:28px;border-radius:50%;flex:none;display:grid;place-items:center;
  background:var(--palaver-surface);color:var(--palaver-muted);font-weight:600;object-fit:cover}
.pv-badge,.pv-tag{font-size:.75em;padding:0 7px;border-radius:99px;border:1px solid}
.pv-badge{background:var(--palaver-accent);border-color:var(--palaver-accent);
  color:var(--palaver-on-accent)}
.pv-tag{color:var(--palaver-accent)}
.pv-wait{color:var(--palaver-pending)}
.pv-pending>.pv-main{border-left:3px solid var(--palaver-pending);padding-left:8px}
.pv-body{margin-top:2px}
.pv-body>:first-child{margin-top:0}.pv-body>:last-child{margin-bottom:0}
.pv-body p,.pv-body ul,.pv-body ol,.pv-body pre,.pv-body blockquote{margin:.45em 0}
.pv-body code{font:.9em ui-monospace,Menlo,Consolas,monospace;background:var(--palaver-surface);
  padding:1px 4px;border-radius:4px}
.pv-body pre{background:var(--palaver-surface);padding:8px;border-radius:6px;overflow:auto}
.pv-body pre code{padding:0}
.pv-body blockquote{border-left:3px solid var(--palaver-border);padding-left:10px;
  color:var(--palaver-muted)}
.pv-deleted{font-style:italic;color:var(--palaver-muted)}
.pv-actions{display:flex;flex-wrap:wrap;align-items:center;gap:2px;margin-left:-8px;
  font-size:.85em;color:var(--palaver-muted)}
.pv-vote[aria-pressed=true]{color:var(--palaver-accent)}
.pv-score{min-width:1.5em;text-align:center;font-weight:600;color:var(--palaver-text)}
.pv-danger{color:var(--palaver-danger)}
.pv-replies{margin-left:6px;padding-left:12px;border-left:2px solid var(--palaver-border)}
.pv-replies:empty{display:none}
.pv-collapsed>.pv-main>:not(.pv-head),.pv-collapsed>.pv-replies{display:none}
.pv-note{padding:20px 0;text-align:center;color:var(--palaver-muted)}
.pv-note:empty{padding:0}
.pv-more{display:block;width:100%;margin-top:14px;border:1px solid var(--palaver-border)}
@media (min-width:640px){.pv-replies{margin-left:13px;padding-left:16px}}`;

  // Builds an element. Strings become text nodes; only paint() ever sets innerHTML.
  const h = (tag, props, kids) => {
    const el = document.createElement(tag);
    for (const [key, value] of Object.entries(props || {})) {
      if (value == null || value === false) continue;
      if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
      else el.setAttribute(key, value === true ? "" : value);
    }
    for (const kid of [kids].flat(9)) if (kid != null && kid !== false) el.append(kid);
    return el;
  };
  const button = (label, onclick, props) =>
    h("button", Object.assign({ type: "button", onclick }, props), label);
  const stored = () => {
    try {
      return JSON.parse(localStorage.getItem(STORE)) || {};
    } catch (e) {
      return {};
    }
  };
  const remember = (patch) => {
    try {
      localStorage.setItem(STORE, JSON.stringify(Object.assign(stored(), patch)));
    } catch (e) {
      /* storage disabled: the reader stays anonymous for this page view */
    }
  };
  // Ages: by the server's clock (Date header), floored, whole calendar months.
  let skew = 0;
  const relative = new Intl.RelativeTimeFormat(LANG, { numeric: "always" });
  const ago = (iso) => {
    const then = new Date(iso);
    const now = new Date(Date.now() + skew);
    const seconds = (now - then) / 1000;
    const dayTime = (d) => d.getUTCDate() * 864e5 + (d % 864e5);
    const months = (now.getUTCFullYear() - then.getUTCFullYear()) * 12 +
      now.getUTCMonth() - then.getUTCMonth() - (dayTime(now) < dayTime(then));
    const [value, unit] = months > 11 ? [months / 12, "year"] : months > 0 ? [months, "month"]
      : seconds >= 86400 ? [seconds / 86400, "day"] : seconds >= 3600 ? [seconds / 3600, "hour"]
      : [seconds / 60, "minute"];
    return value < 1 ? t("now") : relative.format(-Math.floor(value), unit);
  };
  // The first grapheme: "😀 Ann" starts with an emoji, not half of one.
  const initial = (name) => (Intl.Segmenter
    ? [...new Intl.Segmenter().segment(name)][0].segment : Array.from(name)[0]).toUpperCase();
  const count = (c) => c.replies.reduce((sum, reply) => sum + 1 + count(reply), 0);

  async function api(method, path, body, auth = true) {
    const headers = {};
    const token = stored().token;
    if (body) headers["Content-Type"] = "application/json";
    if (auth && token) headers.Authorization = "Bearer " + token;
    let response;
    try {
      response = await fetch(`${API}/api/v1/${path}`, {
        method, headers, body: body && JSON.stringify(body), credentials: "omit",
      });
    } catch (e) {
      throw { code: "network" };
    }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (data && data.commenter_token) remember({ token: data.commenter_token });
    const date = Date.parse(response.headers.get("Date"));
    if (date) skew = date - Date.now();
    if (!response.ok) {
      if (response.status === 401 && token) remember({ token: null }); // revoked or foreign
      const error = (data && data.error) || { code: "http" };
      error.status = response.status;
      error.retry = response.headers.get("Retry-After");
      throw error;
    }
    return { status: response.status, data };
  }

  function errorText(error) {
    if (error.status === 429 && error.retry) return t("rate", { n: error.retry });
    const known = {
      network: "netErr", thread_closed: "closed", edit_window_closed: "editClosed",
      guests_not_allowed: "noGuests",
    }[error.code];
    return known ? t(known) : error.message || t("netErr");
  }

  const state = {
    sort: "oldest", thread: null, site: {}, next: null, total: 0,
    own: new Set(), votes: {}, pending: [], sources: {}, nodes: new Map(),
  };
  let seq = 0;
  let root, heading, sortBar, composer, list, status, more, live;

  function mount(host) {
    host.setAttribute("data-theme", /^(dark|auto)$/.test(opt.theme) ? opt.theme : "light");
    const shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
    heading = h("h2");
    sortBar = h("div", { class: "pv-sort", role: "group", "aria-label": t("sort") },
      ["oldest", "newest", "top"].map((sort) =>
        button(t(sort), () => sort !== state.sort && ((state.sort = sort), load()), {
          "aria-pressed": String(sort === state.sort), "data-sort": sort,
        })));
    composer = h("div");
    list = h("div", { class: "pv-list" });
    status = h("div", { class: "pv-note", role: "status" }, t("loading"));
    more = button(t("more"), () => load(true), { class: "pv-more", hidden: true });
    live = h("div", { class: "pv-sr", "aria-live": "polite" });
    root = h("section", { class: "pv", lang: LANG },
      [h("div", { class: "pv-top" }, [heading, sortBar]), composer, list, status, more, live]);
    shadow.replaceChildren(h("style", {}, CSS), root);
    setInterval(() => root.querySelectorAll("time").forEach((el) => {
      el.textContent = ago(el.dateTime);
    }), 60000);
  }

  const announce = (text) => (live.textContent = text);
  const setTotal = (n) => {
    state.total = Math.max(0, n);
    heading.textContent = n === 1 ? t("one") : t("many", { n: state.total });
  };
  const isOpen = () => !(state.thread && state.thread.closed);

  function tree(c, parent) {
    c.replies = c.replies || [];
    const node = { c, parent, replies: h("div", { class: "pv-replies" }) };
    node.el = h("article", {}, node.replies);
    state.nodes.set(c.id, node);
    paint(node);
    for (const reply of c.replies) node.replies.append(tree(reply, node));
    return node.el;
  }

  // (Re)draws a comment in place, leaving its replies alone.
  function paint(node) {
    const c = node.c;
    const author = c.author || {};
    const pending = c.status === "pending";
    node.el.className = "pv-c" + (pending ? " pv-pending" : "") +
      (node.el.classList.contains("pv-collapsed") ? " pv-collapsed" : "");
    let body = null;
    if (!c.deleted) {
      body = h("div", { class: "pv-body" });
      body.innerHTML = c.html; // sanitized by the server; the one place HTML goes in
      for (const a of body.querySelectorAll("a[href]")) {
        a.target = "_blank";
        a.rel = "nofollow ugc noopener noreferrer";
      }
    }
    const avatar = /^https?:\/\//.test(author.avatar || "")
      ? h("img", { class: "pv-av", src: author.avatar, alt: "", loading: "lazy" })
      : h("span", { class: "pv-av", "aria-hidden": "true" }, initial(author.name || "?"));
    const head = c.deleted
      ? h("div", { class: "pv-head" }, [h("span", { class: "pv-deleted" }, t("deleted")), toggle(node)])
      : h("div", { class: "pv-head" }, [
          avatar,
          h("b", { class: "pv-name" }, author.name || t("guest")),
          author.badge && h("span", { class: "pv-badge" }, author.badge),
          c.pinned && h("span", { class: "pv-tag pv-pin" }, t("pinned")),
          pending && h("span", { class: "pv-tag pv-wait" }, t("pending")),
          h("time", { datetime: c.created, title: new Date(c.created).toLocaleString(LANG) },
            ago(c.created)),
          c.edited && h("span", { class: "pv-muted" }, "· " + t("edited")),
          toggle(node),
        ]);
    node.slot = node.slot || h("div", { class: "pv-slot" }); // keeps an open reply box
    const main = h("div", { class: "pv-main" }, [head, body, actions(node), node.slot]);
    if (node.main) node.main.replaceWith(main);
    else node.el.prepend(main);
    node.main = main;
  }

  function toggle(node) {
    const n = count(node.c);
    if (!n) return null;
    const collapsed = node.el.classList.contains("pv-collapsed");
    const control = button(collapsed ? "[+" + n + "]" : "[–]", () => {
      node.el.classList.toggle("pv-collapsed");
      control.replaceWith(toggle(node));
      node.main.querySelector(".pv-toggle").focus();
    }, {
      class: "pv-toggle pv-muted", "aria-expanded": String(!collapsed),
      "aria-label": collapsed ? t("expand", { n }) : t("collapse"),
    });
    return control;
  }

  function editable(c) {
    if (!state.own.has(c.id) || c.deleted) return false;
    const until = c.editable_until
      ? Date.parse(c.editable_until)
      : Date.parse(c.created) + (state.site.edit_window_minutes || 0) * 60000;
    return Date.now() < until;
  }

  function actions(node) {
    const c = node.c;
    if (c.deleted) return null;
    const listed = c.status !== "pending";
    const open = isOpen(); // a closed thread is frozen: no votes, replies, edits or reports
    const vote = state.votes[c.id] || 0;
    const voter = (dir) => button(dir > 0 ? "▲" : "▼", () => castVote(node, vote === dir ? 0 : dir), {
      class: "pv-vote", "aria-label": t(dir > 0 ? "up" : "down"), "aria-pressed": String(vote === dir),
    });
    const remove = button(t("del"), () => {
      if (remove.dataset.armed) return removeComment(node);
      remove.dataset.armed = "1";
      remove.textContent = t("confirmDel");
      remove.classList.add("pv-danger");
    });
    return h("div", { class: "pv-actions" }, [
      listed && [open && voter(1), h("span", { class: "pv-score" }, String(c.score || 0)),
        open && voter(-1)],
      listed && open &&
        button(t("reply"), () => openForm(node, {
          parent: node, label: t("replyTo", { name: (c.author && c.author.name) || t("guest") }),
        })),
      open && editable(c) && [
        button(t("edit"), () => openForm(node, { edit: node, label: t("write") })), remove],
      listed && open && !state.own.has(c.id) && button(t("flag"), () => flagForm(node)),
    ]);
  }

  function note(node, text, ok) {
    node.slot.replaceChildren(h("p", { class: "pv-msg" + (ok ? " pv-ok" : ""), role: "alert" }, text));
  }

  function openForm(node, options) {
    const close = () => node.slot.replaceChildren();
    const f = form(Object.assign({ cancel: close, done: close }, options));
    node.slot.replaceChildren(f);
    f.querySelector("textarea").focus();
  }

  async function castVote(node, value) {
    try {
      const { data } = await api("POST", `comments/${node.c.id}/vote`, { value });
      node.c.score = data.score;
      state.votes[node.c.id] = data.vote;
      paint(node);
      node.main.querySelector(`.pv-vote[aria-pressed=true], .pv-vote`).focus();
    } catch (error) {
      note(node, errorText(error));
    }
  }

  async function removeComment(node) {
    const c = node.c;
    try {
      await api("DELETE", `comments/${c.id}`);
    } catch (error) {
      return note(node, errorText(error));
    }
    if (c.status !== "pending") setTotal(state.total - 1);
    if (c.replies.length) {
      Object.assign(c, { deleted: true, html: "", author: { name: "" } });
      return paint(node);
    }
    node.el.remove();
    state.nodes.delete(c.id);
    if (node.parent) {
      node.parent.c.replies = node.parent.c.replies.filter((reply) => reply !== c);
      paint(node.parent);
    }
    if (!list.children.length) status.replaceChildren(t("empty"));
  }

  function flagForm(node) {
    const id = "pv" + ++seq;
    const reason = h("select", { id }, ["spam", "abuse", "off_topic", "other"].map(
      (value) => h("option", { value }, t(value))));
    const send = async (event) => {
      event.preventDefault();
      try {
        await api("POST", `comments/${node.c.id}/flag`, { reason: reason.value });
        note(node, t("flagged"), true);
      } catch (error) {
        note(node, errorText(error));
      }
    };
    node.slot.replaceChildren(h("form", { class: "pv-row", onsubmit: send }, [
      h("label", {}, [t("reason"), reason]),
      button(t("cancel"), () => node.slot.replaceChildren()),
      h("button", { type: "submit", class: "pv-primary" }, t("report")),
    ]));
    reason.focus();
  }

  // The comment box: new comment (no options), reply ({parent}) or edit ({edit}).
  function form(o) {
    const me = stored();
    const id = "pv" + ++seq;
    const text = h("textarea", { id, rows: 3, placeholder: o.label, onkeydown: (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) f.requestSubmit();
    } });
    // The API returns HTML only: edit what was typed here, else the comment's text.
    if (o.edit) text.value = state.sources[o.edit.c.id] || o.edit.c.body ||
      o.edit.main.querySelector(".pv-body").innerText;
    const input = (name, type, value, label) => {
      const el = h("input", { name, type, autocomplete: name, maxlength: type === "email" ? 254 : 100 });
      el.value = value || "";
      return h("label", {}, [label, el]);
    };
    const guest = !o.edit && [
      input("name", "text", me.name, t("name")),
      state.site.guest_email_required && input("email", "email", me.email, t("email")),
    ];
    const honeypot = h("input", {
      name: "website", class: "pv-hp", tabindex: "-1", autocomplete: "off", "aria-hidden": "true",
    });
    const message = h("div", { class: "pv-msg", role: "alert" });
    const send = h("button", { type: "submit", class: "pv-primary" },
      t(o.edit ? "save" : o.parent ? "reply" : "post"));
    const f = h("form", { class: "pv-form", novalidate: true, onsubmit: submit }, [
      h("label", { for: id, class: "pv-sr" }, o.label), text,
      h("small", { class: "pv-hint" }, t("hint")),
      honeypot, message,
      h("div", { class: "pv-row" }, [
        guest, h("span", { class: "pv-end" }, [o.cancel && button(t("cancel"), o.cancel), send])]),
    ]);
    const field = (name) => f.querySelector(`[name=${name}]`);

    async function submit(event) {
      event.preventDefault();
      if (send.disabled) return;
      send.disabled = true;
      message.className = "pv-msg pv-ok";
      message.textContent = t("sending");
      f.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
      const name = field("name") && field("name").value.trim();
      const email = field("email") && field("email").value.trim();
      try {
        if (o.edit) {
          const { data } = await api("PATCH", `comments/${o.edit.c.id}`, { body: text.value });
          Object.assign(o.edit.c, data, { replies: o.edit.c.replies });
          state.sources[data.id] = text.value;
          paint(o.edit);
        } else {
          const { status: code, data } = await api("POST", "comments", {
            url: opt.url, key: opt.key, title: opt.title || document.title,
            parent: o.parent && o.parent.c.id, body: text.value,
            author_name: name || undefined, author_email: email || undefined,
            hp: honeypot.value, t: Date.now() - loadedAt,
          });
          remember(email ? { name, email } : { name });
          state.sources[data.id] = text.value;
          text.value = "";
          message.textContent = "";
          // Past the site's max_depth the API attaches a reply to the parent's parent.
          added(data, o.parent && state.nodes.get(data.parent), code === 202);
        }
        if (o.done) o.done();
      } catch (error) {
        message.className = "pv-msg";
        const labels = { body: text, author_name: field("name"), author_email: field("email") };
        const problems = Object.entries(error.fields || {}).map(([key, messages]) => {
          if (labels[key]) labels[key].setAttribute("aria-invalid", "true");
          const label = { body: t("write"), author_name: t("name"), author_email: t("email") }[key];
          return h("li", {}, (label ? label + ": " : "") + [].concat(messages).join(" "));
        });
        message.replaceChildren(problems.length ? h("ul", {}, problems) : errorText(error));
      } finally {
        send.disabled = false;
      }
    }
    return f;
  }

  function added(c, parent, held) {
    state.own.add(c.id);
    if (held) c.status = "pending";
    else setTotal(state.total + 1);
    place(c, parent);
    status.replaceChildren();
    announce(held ? t("held") : t("posted"));
  }

  // Puts a comment the tree did not have yet where the current sort would show it.
  function place(c, parent) {
    if (parent) {
      parent.c.replies.push(c);
      parent.replies.append(tree(c, parent));
      paint(parent);
    } else if (state.sort === "oldest" && !state.next) {
      list.append(tree(c));
    } else {
      list.prepend(tree(c));
    }
  }

  const query = (extra) =>
    new URLSearchParams(Object.assign({ url: opt.url }, opt.key ? { key: opt.key } : {}, extra));

  async function loadMe() {
    if (!stored().token) return;
    try {
      const { data } = await api("GET", "thread/me?" + query());
      state.own = new Set(data.own || []);
      state.votes = data.votes || {};
      Object.assign(state.sources, data.sources);
      // Held comments, and (shadow ban) ones shown to their author as published.
      state.pending = (data.pending || []).map((c) => Object.assign(c, { status: "pending" }))
        .concat(data.shadowed || []);
    } catch (error) {
      /* the public thread still renders; the reader just sees it as a stranger */
    }
  }

  let mePromise = null;

  async function load(append) {
    more.hidden = true;
    if (!append) status.replaceChildren(t("loading"));
    sortBar.querySelectorAll("button").forEach((b) =>
      b.setAttribute("aria-pressed", String(b.dataset.sort === state.sort)));
    let data;
    try {
      mePromise = mePromise || loadMe();
      const params = { sort: state.sort };
      if (append) params.cursor = state.next;
      [{ data }] = await Promise.all([api("GET", "thread?" + query(params), null, false), mePromise]);
    } catch (error) {
      status.replaceChildren(h("span", { role: "alert" }, t("loadErr") + " " + errorText(error) + " "),
        button(t("retry"), () => load(append)));
      more.hidden = !append;
      return;
    }
    state.thread = data.thread;
    state.site = data.site || {};
    state.next = data.next;
    setTotal(data.thread ? data.thread.comment_count : 0);
    if (!append) {
      list.replaceChildren();
      state.nodes.clear();
    }
    for (const c of data.comments) list.append(tree(c));
    for (const c of state.pending) {
      const parent = c.parent && state.nodes.get(c.parent);
      if (!state.nodes.has(c.id) && (parent || !c.parent)) place(c, parent);
    }
    status.replaceChildren(list.children.length ? "" : t("empty"));
    more.hidden = !state.next;
    if (!composer.firstChild) {
      const canWrite = state.site.guests_allowed !== false || stored().token;
      composer.replaceChildren(!isOpen() ? h("p", { class: "pv-note" }, t("closed"))
        : canWrite ? form({ label: t("write") }) : h("p", { class: "pv-note" }, t("noGuests")));
    }
  }

  // Live updates: when the thread's version moves, fetch the first page and merge it in.
  async function refresh() {
    let data;
    try {
      ({ data } = await api("GET", "thread?" + query({ sort: state.sort }), null, false));
    } catch (error) {
      return;
    }
    state.thread = data.thread;
    if (data.thread) setTotal(data.thread.comment_count);
    const walk = (c, parent) => {
      const node = state.nodes.get(c.id);
      if (!node) {
        place(c, parent);
        status.replaceChildren();
        if (!state.own.has(c.id)) announce(t("newOne", { name: c.author.name || t("guest") }));
        return;
      }
      if (node.c.html !== c.html || node.c.deleted !== c.deleted || node.c.score !== c.score) {
        Object.assign(node.c, c, { replies: node.c.replies });
        paint(node);
      }
      for (const reply of c.replies || []) walk(reply, node);
    };
    for (const c of data.comments) walk(c, null);
  }

  function listen() {
    if (opt.live === "off" || !window.EventSource) return;
    const source = new EventSource(`${API}/api/v1/thread/events?` + query());
    let version = null;
    let timer = 0; // one refresh per burst of events, however busy the thread
    const changed = (event) => {
      const seen = JSON.parse(event.data).version;
      if (version !== null && seen !== version && !timer) timer = setTimeout(() => {
        timer = 0;
        refresh();
      }, 300);
      version = seen;
    };
    source.addEventListener("hello", changed);
    source.addEventListener("change", changed);
  }

  function start() {
    const host = document.getElementById("palaver-thread");
    if (!opt.url) return console.error('Palaver: add data-url="CANONICAL_PAGE_URL" to the script tag.');
    if (!host) return console.error('Palaver: add <div id="palaver-thread"></div> to the page.');
    mount(host);
    load().then(listen);
  }

  window.Palaver = { version: "1", reload: () => load() };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
