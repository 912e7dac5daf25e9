/* Drawing the thread: the widget's frame, each comment, its replies and its actions. */

import { castVote, removeComment } from "./comments.js";
import { API, options } from "./config.js";
import { button, h } from "./dom.js";
import { ago, initial } from "./format.js";
import { flagForm, openForm } from "./forms.js";
import { lang, t } from "./i18n.js";
import { state, ui } from "./state.js";
import css from "./styles.css";
import { load, query } from "./thread.js";

/** Build the frame (heading, sort switch, comment box, list, status) in `host`'s shadow root. */
export function mount(host) {
  host.setAttribute("data-theme", /^(dark|auto)$/.test(options.theme) ? options.theme : "light");
  const shadow = host.shadowRoot || host.attachShadow({ mode: "open" });
  ui.heading = h("h2");
  ui.sortBar = h(
    "div",
    { class: "pv-sort", role: "group", "aria-label": t("sort") },
    ["oldest", "newest", "top"].map((sort) =>
      button(
        t(sort),
        () => {
          if (sort === state.sort) return;
          state.sort = sort;
          load();
        },
        { "aria-pressed": String(sort === state.sort), "data-sort": sort },
      ),
    ),
  );
  ui.composer = h("div");
  ui.list = h("div", { class: "pv-list" });
  ui.status = h("div", { class: "pv-note", role: "status" }, t("loading"));
  ui.more = button(t("more"), () => load(true), { class: "pv-more", hidden: true });
  ui.live = h("div", { class: "pv-sr", "aria-live": "polite" });
  ui.root = h("section", { class: "pv", lang, dir: t("dir") }, [
    h("div", { class: "pv-top" }, [ui.heading, ui.sortBar]),
    ui.composer,
    ui.list,
    ui.status,
    ui.more,
    // The thread's Atom feed (an empty one until the first comment).
    h("a", { href: `${API}/feeds/thread.atom?` + query() }, t("feed")),
    ui.live,
  ]);
  shadow.replaceChildren(h("style", {}, css), ui.root);
  // Ages move on while the page stays open.
  setInterval(() => {
    for (const time of ui.root.querySelectorAll("time")) time.textContent = ago(time.dateTime);
  }, 60000);
}

/** Say `text` to screen readers (the polite live region). */
export function announce(text) {
  ui.live.textContent = text;
}

/** Show `n` published comments in the heading. */
export function setTotal(n) {
  state.total = Math.max(0, n);
  ui.heading.textContent = t("count", { n: state.total });
}

/** Whether the thread takes new comments and replies. */
export const isOpen = () => !(state.thread && state.thread.closed);

const replyCount = (c) => c.replies.reduce((sum, reply) => sum + 1 + replyCount(reply), 0);

/** The element of comment `c` (under node `parent`, if a reply) and of all its replies. */
export function tree(c, parent) {
  c.replies = c.replies || [];
  const node = { c, parent, replies: h("div", { class: "pv-replies" }) };
  node.el = h("article", { id: "comment-" + c.id }, node.replies);
  state.nodes.set(c.id, node);
  paint(node);
  for (const reply of c.replies) node.replies.append(tree(reply, node));
  return node.el;
}

/** (Re)draw a comment in place, leaving its replies (and an open reply box) alone. */
export function paint(node) {
  const c = node.c;
  const author = c.author || {};
  const pending = c.status === "pending";
  const collapsed = node.el.classList.contains("pv-collapsed");
  node.el.className = "pv-c" + (pending ? " pv-pending" : "") + (collapsed ? " pv-collapsed" : "");
  let body = null;
  if (!c.deleted) {
    // dir=auto: a comment (and a name) runs its own way, whatever the widget's language.
    body = h("div", { class: "pv-body", dir: "auto" });
    body.innerHTML = c.html; // sanitized by the server; the one place HTML goes in
    for (const a of body.querySelectorAll("a[href]")) {
      a.target = "_blank";
      a.rel = "nofollow ugc noopener noreferrer";
    }
  }
  // A picture's URL, or a path on the site's host (an identicon); else the name's initial.
  const src = author.avatar && new URL(author.avatar, API).href;
  const avatar = /^https?:/.test(src)
    ? h("img", { class: "pv-av", src, alt: "", loading: "lazy" })
    : h("span", { class: "pv-av", "aria-hidden": "true" }, initial(author.name || "?"));
  const head = c.deleted
    ? h("div", { class: "pv-head" }, [
        h("span", { class: "pv-deleted" }, t("deleted")),
        toggle(node),
      ])
    : h("div", { class: "pv-head" }, [
        avatar,
        h("b", { class: "pv-name", dir: "auto" }, author.name || t("guest")),
        author.badge && h("span", { class: "pv-badge" }, t(author.badge)),
        c.pinned && h("span", { class: "pv-tag pv-pin" }, t("pinned")),
        pending && h("span", { class: "pv-tag pv-wait" }, t("pending")),
        h(
          "time",
          { datetime: c.created, title: new Date(c.created).toLocaleString(lang) },
          ago(c.created),
        ),
        c.edited && h("span", { class: "pv-muted" }, "· " + t("edited")),
        toggle(node),
      ]);
  node.slot = node.slot || h("div", { class: "pv-slot" });
  const main = h("div", { class: "pv-main" }, [head, body, actions(node), node.slot]);
  if (node.main) node.main.replaceWith(main);
  else node.el.prepend(main);
  node.main = main;
}

// The collapse switch of a comment with replies: "[–]", or "[+n]" when collapsed.
function toggle(node) {
  const n = replyCount(node.c);
  if (!n) return null;
  const collapsed = node.el.classList.contains("pv-collapsed");
  const control = button(
    collapsed ? "[+" + n + "]" : "[–]",
    () => {
      node.el.classList.toggle("pv-collapsed");
      control.replaceWith(toggle(node));
      node.main.querySelector(".pv-toggle").focus();
    },
    {
      class: "pv-toggle pv-muted",
      "aria-expanded": String(!collapsed),
      "aria-label": collapsed ? t("expand", { n }) : t("collapse"),
    },
  );
  return control;
}

// The reader's own comment, within the site's edit window.
function editable(c) {
  if (!state.own.has(c.id) || c.deleted) return false;
  const until = c.editable_until
    ? Date.parse(c.editable_until)
    : Date.parse(c.created) + (state.site.edit_window_minutes || 0) * 60000;
  return Date.now() < until;
}

// Votes, reply, edit and delete (own comments), flag (others'). A closed thread is frozen:
// it shows the score, and nothing can be done.
function actions(node) {
  const c = node.c;
  if (c.deleted) return null;
  const listed = c.status !== "pending";
  const open = isOpen();
  const vote = state.votes[c.id] || 0;
  const voter = (dir) =>
    button(dir > 0 ? "▲" : "▼", () => castVote(node, vote === dir ? 0 : dir), {
      class: "pv-vote",
      "aria-label": t(dir > 0 ? "up" : "down"),
      "aria-pressed": String(vote === dir),
    });
  // A delete asks for a second click.
  const remove = button(t("del"), () => {
    if (remove.dataset.armed) return removeComment(node);
    remove.dataset.armed = "1";
    remove.textContent = t("confirmDel");
    remove.classList.add("pv-danger");
  });
  const author = (c.author && c.author.name) || t("guest");
  return h("div", { class: "pv-actions" }, [
    listed && [
      open && voter(1),
      h("span", { class: "pv-score" }, String(c.score || 0)),
      open && voter(-1),
    ],
    listed &&
      open &&
      button(t("reply"), () =>
        openForm(node, { parent: node, label: t("replyTo", { name: author }) }),
      ),
    open &&
      editable(c) && [
        button(t("edit"), () => openForm(node, { edit: node, label: t("write") })),
        remove,
      ],
    listed && open && !state.own.has(c.id) && button(t("flag"), () => flagForm(node)),
  ]);
}

/** A message under a comment, in place of its reply box; `ok` for good news. */
export function note(node, text, ok) {
  node.slot.replaceChildren(
    h("p", { class: "pv-msg" + (ok ? " pv-ok" : ""), role: "alert" }, text),
  );
}

/** Put a comment the tree did not have yet where the current sort would show it. */
export function place(c, parent) {
  if (parent) {
    parent.c.replies.push(c);
    parent.replies.append(tree(c, parent));
    paint(parent);
  } else if (state.sort === "oldest" && !state.next) {
    ui.list.append(tree(c));
  } else {
    ui.list.prepend(tree(c));
  }
}
