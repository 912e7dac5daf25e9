/* Live updates: when the thread's version moves (Server-Sent Events), fetch the first page
   again (a cached read) and merge it in. */

import { api } from "./api.js";
import { API, options } from "./config.js";
import { t } from "./i18n.js";
import { announce, paint, place, setTotal } from "./render.js";
import { state, ui } from "./state.js";
import { query } from "./thread.js";

// New comments go where the sort puts them (and are announced); changed ones are redrawn;
// open reply boxes and text being typed stay as they are.
async function refresh() {
  let data;
  try {
    ({ data } = await api("GET", "thread?" + query({ sort: state.sort }), null, false));
  } catch {
    return; // the next event tries again
  }
  state.thread = data.thread;
  if (data.thread) setTotal(data.thread.comment_count);
  const walk = (c, parent) => {
    const node = state.nodes.get(c.id);
    if (!node) {
      place(c, parent);
      ui.status.replaceChildren();
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

/** Follow the thread's events, unless data-live="off" or the browser has no EventSource. */
export function listen() {
  if (options.live === "off" || !window.EventSource) return;
  const source = new EventSource(`${API}/api/v1/thread/events?` + query());
  let version = null;
  let timer = 0; // one refresh per burst of events, however busy the thread
  const changed = (event) => {
    const seen = JSON.parse(event.data).version;
    if (version !== null && seen !== version && !timer) {
      timer = setTimeout(() => {
        timer = 0;
        refresh();
      }, 300);
    }
    version = seen;
  };
  source.addEventListener("hello", changed);
  source.addEventListener("change", changed);
}
