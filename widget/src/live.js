/* Live updates: Server-Sent Events say when the thread changed (never what: they carry no
   content); the widget then fetches the first page again (a cached read) and merges it in.
   Where the stream cannot open (blocked by a proxy or an extension, or the server is away) it
   polls instead, and tries the stream again a minute later. */

import { api } from "./api.js";
import { drop } from "./comments.js";
import { API, options } from "./config.js";
import { t } from "./i18n.js";
import { announce, paint, place, setTotal } from "./render.js";
import { state, ui } from "./state.js";
import { query } from "./thread.js";

const POLL_MS = 10000; // a poll while the stream is blocked, as often as the server polls
const RETRY_MS = 60000; // then the stream is tried again

let version = ""; // the thread's version on screen, as the stream last said it
const removed = new Set(); // ids the stream said were removed, wherever they are shown

// What a reader sees of a comment, apart from its replies.
const look = (c) => [c.html, c.deleted, c.score, c.pinned, c.status].join();

// New comments go where the sort puts them (and are announced); changed ones are redrawn;
// removed ones leave. Open reply boxes and text being typed stay as they are.
async function refresh() {
  let data;
  try {
    // The version keeps a shared cache (the nginx front) from answering with an older copy.
    const params = { sort: state.sort, v: version };
    ({ data } = await api("GET", "thread?" + query(params), null, false));
  } catch {
    return; // the next event or poll tries again
  }
  state.thread = data.thread;
  if (data.thread) setTotal(data.thread.comment_count);
  const seen = new Set();
  const walk = (c, parent) => {
    seen.add(c.id);
    const node = state.nodes.get(c.id);
    if (!node) {
      place(c, parent);
      ui.status.replaceChildren();
      if (!state.own.has(c.id)) announce(t("newOne", { name: c.author.name || t("guest") }));
      return;
    }
    if (look(node.c) !== look(c)) {
      // An approved comment of the reader's loses its "awaiting moderation" (status).
      Object.assign(node.c, c, { replies: node.c.replies, status: c.status });
      paint(node);
    }
    for (const reply of c.replies || []) walk(reply, node);
  };
  for (const c of data.comments) walk(c, null);
  // Gone from the page: a comment the stream named, or one the answer would have held (a
  // reply of a comment it has, or anything when it is the whole thread). The reader's own
  // held and shadowed comments are never in public answers, so they go only when named.
  for (const node of [...state.nodes.values()]) {
    const c = node.c;
    let top = node;
    while (top.parent) top = top.parent;
    const covered = !state.own.has(c.id) && (seen.has(top.c.id) || !data.next);
    if (state.nodes.get(c.id) === node && !seen.has(c.id) && (removed.has(c.id) || covered)) {
      drop(node);
    }
  }
  removed.clear();
}

/** Follow the thread's changes (unless data-live="off"): a stream, else polling. */
export function listen() {
  if (options.live === "off") return;
  let timer = 0; // one refresh per burst of events, however busy the thread
  let poller = 0;
  let alive = false; // the stream said hello since its last error
  const soon = () => {
    timer =
      timer ||
      setTimeout(() => {
        timer = 0;
        refresh();
      }, 200);
  };
  const poll = (url) => {
    if (!poller) poller = setInterval(refresh, POLL_MS);
    setTimeout(() => open(url), RETRY_MS);
  };
  const open = (url) => {
    const source = new EventSource(url);
    source.addEventListener("hello", (event) => {
      const hello = JSON.parse(event.data);
      // The events process listens elsewhere (no proxy in front): go there.
      if (hello.stream) {
        source.close();
        return open(hello.stream);
      }
      alive = true;
      clearInterval(poller);
      poller = 0;
      if (version && hello.version !== version) soon(); // changed while away
      version = hello.version;
    });
    source.addEventListener("change", (event) => {
      const change = JSON.parse(event.data);
      if (change.type === "comment.removed") removed.add(change.id);
      version = change.version;
      soon();
    });
    source.onerror = () => {
      // A stream that ends is reopened by the browser (readyState 0, CONNECTING); one that
      // cannot open, or that the browser gave up on (2, CLOSED), gives way to polling.
      if (alive && source.readyState < 2) {
        alive = false;
        return;
      }
      source.close();
      poll(url);
    };
  };
  open(`${API}/api/v1/thread/events?` + query());
}
