/* What the widget knows about the thread on screen, shared by its modules. */

export const state = {
  sort: "oldest", // oldest | newest | top
  thread: null, // the API's thread object, null until the first comment
  site: {}, // the site's public settings (guests_allowed, edit_window_minutes, ...)
  next: null, // the cursor of the next page
  total: 0, // published comments, as the heading shows them
  own: new Set(), // ids of the reader's comments (from /thread/me and this page view)
  votes: {}, // comment id -> the reader's vote
  pending: [], // the reader's held (and shadowed) comments, shown only to them
  sources: {}, // comment id -> the Markdown it was written in, for edits
  nodes: new Map(), // comment id -> {c, parent, el, main, replies, slot}
};

/** The widget's fixed elements, set by render.mount: root, heading, sortBar, composer, list,
    status, more, live. (Declared empty: the names spelled out cost embed.js bytes.) */
export const ui = {};

let seq = 0;

/** A fresh element id for label/control pairs. */
export const nextId = () => "pv" + ++seq;
