/* Live updates: Server-Sent Events say when the thread changed (never what: they carry no
   content); the widget then fetches the first page again (a cached read) and merges it in.
   Where the stream cannot open (blocked by a proxy or an extension, or the server is away) it
   polls instead: every 10 s it fetches the thread and tries the stream again, and streams as
   soon as one opens. */

import { api } from "./api.js";
import { drop } from "./comments.js";
import { API, options } from "./config.js";
import { t } from "./i18n.js";
import { announce, paint, place, setTotal } from "./render.js";
import { state, ui } from "./state.js";
import { query } from "./thread.js";

const POLL_MS = 10000; // while streams are blocked: as often as the server asks for a poll

let version = ""; // the thread's version on screen, as the stream last said it

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
  const walk = (c, parent) => {
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
}

/** Follow the thread's changes (unless data-live="off"): a stream, else polling. */
export function listen() {
  if (options.live === "off") return;
  let timer = 0; // one refresh per burst of events, however busy the thread
  const open = (url) => {
    const source = new EventSource(url);
    source.addEventListener("hello", (event) => {
      const hello = JSON.parse(event.data);
      // The events process listens elsewhere (no proxy in front): go there.
      if (hello.stream) {
        source.close();
        return open(hello.stream);
      }
      if (version && hello.version !== version) refresh(); // changed while away
      version = hello.version;
    });
    source.addEventListener("change", (event) => {
      const change = JSON.parse(event.data);
      // A removed comment leaves at once; one with replies becomes a placeholder (refresh).
      const node = change.type === "comment.removed" && state.nodes.get(change.id);
      if (node && !node.c.replies.length) drop(node);
      version = change.version;
      timer =
        timer ||
        setTimeout(() => {
          timer = 0;
          refresh();
        }, 200);
    });
    // A stream that cannot open (blocked, or the server is away) gives way to polling: fetch
    // the thread, and try the stream again POLL_MS later. One that ends after working (the
    // server closes each after five minutes) is reopened the same way, and its hello's version
    // says whether anything changed meanwhile.
    source.onerror = () => {
      source.close();
      refresh();
      setTimeout(() => open(url), POLL_MS);
    };
  };
  open(`${API}/api/v1/thread/events?` + query());
}
