/* What a reader does to a comment: vote, delete, and the arrival of their own new one. */

import { api, errorText } from "./api.js";
import { focus } from "./dom.js";
import { t } from "./i18n.js";
import { announce, note, paint, place, setTotal } from "./render.js";
import { state, ui } from "./state.js";

/** Vote `value` (1, -1, or 0 to take the vote back) on the comment of `node`. */
export async function castVote(node, value) {
  try {
    const { data } = await api("POST", `comments/${node.c.id}/vote`, { value });
    node.c.score = data.score;
    state.votes[node.c.id] = data.vote;
    paint(node);
    node.main.querySelector(".pv-vote[aria-pressed=true], .pv-vote").focus();
  } catch (error) {
    note(node, errorText(error));
  }
}

/** Delete the reader's comment: a placeholder stays where it has replies. */
export async function removeComment(node) {
  const c = node.c;
  try {
    await api("DELETE", `comments/${c.id}`);
  } catch (error) {
    return note(node, errorText(error));
  }
  if (c.status !== "pending") setTotal(state.total - 1);
  if (c.replies.length) {
    Object.assign(c, { deleted: true, html: "", author: { name: "" } });
    paint(node);
    return focus(node.el);
  }
  drop(node);
}

/** Take the comment of `node`, which has no replies, off the page. */
export function drop(node) {
  const c = node.c;
  state.nodes.delete(c.id);
  node.el.remove();
  if (node.parent) {
    node.parent.c.replies = node.parent.c.replies.filter((reply) => reply !== c);
    paint(node.parent);
  }
  if (!ui.list.children.length) ui.status.replaceChildren(t("empty"));
  // The button that had focus is gone: focus goes to the comment it answered, or the heading.
  focus(node.parent ? node.parent.el : ui.heading);
}

/** Show the reader's new comment `c` (under `parent`), published or `held` for moderation. */
export function added(c, parent, held) {
  state.own.add(c.id);
  if (held) c.status = "pending";
  else setTotal(state.total + 1);
  place(c, parent);
  ui.status.replaceChildren();
  announce(held ? t("held") : t("posted"));
}
