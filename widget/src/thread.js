/* Loading the thread: the public pages, the reader's own state, the comment box. */

import { api, errorText } from "./api.js";
import { options } from "./config.js";
import { button, h } from "./dom.js";
import { form } from "./forms.js";
import { t } from "./i18n.js";
import { isOpen, place, setTotal, tree } from "./render.js";
import { state, ui } from "./state.js";
import { stored } from "./storage.js";

/** The page's url (and key) as query parameters, plus `extra`. */
export function query(extra) {
  const page = options.key ? { url: options.url, key: options.key } : { url: options.url };
  return new URLSearchParams({ ...page, ...extra });
}

// What only this reader may see: own comments, votes, sources, held comments.
async function loadMe() {
  if (!stored().token) return;
  try {
    const { data } = await api("GET", "thread/me?" + query());
    state.own = new Set(data.own || []);
    state.votes = data.votes || {};
    Object.assign(state.sources, data.sources);
    // Held comments, and (shadow ban) ones shown to their author as published.
    const pending = (data.pending || []).map((c) => ({ ...c, status: "pending" }));
    state.pending = pending.concat(data.shadowed || []);
  } catch {
    // The public thread still renders; the reader just sees it as a stranger.
  }
}

let mePromise = null;

/** Load the first page in the current sort, or (`append`) the next page. */
export async function load(append) {
  ui.more.hidden = true;
  if (!append) ui.status.replaceChildren(t("loading"));
  for (const b of ui.sortBar.querySelectorAll("button")) {
    b.setAttribute("aria-pressed", String(b.dataset.sort === state.sort));
  }
  let data;
  try {
    mePromise = mePromise || loadMe();
    const params = { sort: state.sort };
    if (append) params.cursor = state.next;
    const read = api("GET", "thread?" + query(params), null, false);
    [{ data }] = await Promise.all([read, mePromise]);
  } catch (error) {
    ui.status.replaceChildren(
      h("span", { role: "alert" }, t("loadErr") + " " + errorText(error) + " "),
      button(t("retry"), () => load(append)),
    );
    ui.more.hidden = !append;
    return;
  }
  state.thread = data.thread;
  state.site = data.site || {};
  state.next = data.next;
  setTotal(data.thread ? data.thread.comment_count : 0);
  if (!append) {
    ui.list.replaceChildren();
    state.nodes.clear();
  }
  for (const c of data.comments) ui.list.append(tree(c));
  for (const c of state.pending) {
    const parent = c.parent && state.nodes.get(c.parent);
    if (!state.nodes.has(c.id) && (parent || !c.parent)) place(c, parent);
  }
  ui.status.replaceChildren(ui.list.children.length ? "" : t("empty"));
  ui.more.hidden = !state.next;
  if (!ui.composer.firstChild) ui.composer.replaceChildren(composer());
}

// The box for a new comment, or why there is none.
function composer() {
  if (!isOpen()) return h("p", { class: "pv-note" }, t("closed"));
  if (state.site.guests_allowed === false && !stored().signed) {
    return h("p", { class: "pv-note" }, t("noGuests"));
  }
  return form({ label: t("write") });
}
