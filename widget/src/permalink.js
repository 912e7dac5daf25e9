/* Permalinks: a host page opened at #comment-<id> shows that comment. The thread lives in a
   shadow root, where the browser's own fragment navigation cannot reach, so the widget loads
   later pages until the comment is there, opens collapsed replies around it, then scrolls to
   it, marks it and moves focus to it. E-mails, feeds and webhooks link to this form. */

import { paint } from "./render.js";
import { state } from "./state.js";
import { load } from "./thread.js";

const MAX_PAGES = 40; // of 50 top-level comments each: 2,000 threads down, then give up

let shown = null;

/** The comment id the page's address names, or null. */
const wanted = () => {
  const match = /^#comment-(\d+)$/.exec(location.hash);
  return match ? Number(match[1]) : null;
};

/** Show the comment the address names (if any), loading pages until it is on screen. */
export async function reveal() {
  const id = wanted();
  if (id === null) return;
  for (let pages = 0; !state.nodes.has(id) && state.next && pages < MAX_PAGES; pages++) {
    await load(true);
  }
  const node = state.nodes.get(id);
  if (!node) return;
  for (let up = node.parent; up; up = up.parent) {
    if (up.el.classList.contains("pv-collapsed")) {
      up.el.classList.remove("pv-collapsed");
      paint(up);
    }
  }
  if (shown && shown !== node.el) shown.removeAttribute("data-target");
  shown = node.el;
  node.el.setAttribute("data-target", "");
  node.el.tabIndex = -1;
  node.el.scrollIntoView({ block: "center" });
  node.el.focus({ preventScroll: true });
}

/** Follow the address now and whenever its fragment changes. */
export function followPermalinks() {
  window.addEventListener("hashchange", reveal);
  return reveal();
}
