/* Permalinks: a host page opened at #comment-<id> shows that comment. The thread lives in a
   shadow root, where the browser's own fragment navigation cannot reach, so the widget loads
   later pages until the comment is there, opens collapsed replies around it, then scrolls to
   it, marks it and moves focus to it. E-mails, feeds and webhooks link to this form.
   Its own file, /permalink.js, fetched by embed.js only when the address names a comment;
   it registers itself as window.Palaver.permalink and works on what embed.js hands it. */

const MAX_PAGES = 40; // of 50 top-level comments each: 2,000 threads down, then give up

/** Show the comment the address names, loading pages until it is on screen.
    `widget`: embed.js's {state, load, paint}. */
async function reveal({ state, load, paint }) {
  const match = /^#comment-(\d+)$/.exec(location.hash);
  if (!match) return;
  const id = Number(match[1]);
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
  node.el.getRootNode().querySelector("[data-target]")?.removeAttribute("data-target");
  node.el.setAttribute("data-target", "");
  node.el.tabIndex = -1;
  node.el.scrollIntoView({ block: "center" });
  node.el.focus({ preventScroll: true });
}

window.Palaver.permalink = { reveal };
