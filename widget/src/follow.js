/* Ways to follow a thread from elsewhere: reply e-mails (the comment box's choice) and the
   thread's Atom feed (docs/notifications.md). */

import { API } from "./config.js";
import { h } from "./dom.js";
import { t } from "./i18n.js";
import { state } from "./state.js";
import { query } from "./thread.js";

/**
 * The "e-mail me replies" box for the comment box whose e-mail field is `email`, shown once
 * the field holds an address. Checked, the post asks for `notify: "replies"`; the site first
 * sends a confirmation e-mail (double opt-in), as its label says.
 */
export function notifyChoice(email) {
  const choice = h("label", {}, [h("input", { type: "checkbox", name: "notify" }), t("notify")]);
  const show = () => (choice.hidden = !email.value.includes("@"));
  email.addEventListener("input", show);
  show();
  return choice;
}

/** The link to the thread's Atom feed (shown by setTotal once there are comments). */
export const feedLink = () =>
  h(
    "a",
    {
      class: "pv-muted",
      href: `${API}/feeds/thread.atom?` + query(),
      target: "_blank",
      hidden: true,
    },
    t("feed"),
  );

/** Scroll to the comment a reply e-mail or a feed entry links to (`#comment-<id>`), which the
    browser cannot find by itself inside the widget's shadow root. */
export function reveal() {
  const node = state.nodes.get(+location.hash.slice(9));
  if (node) node.el.scrollIntoView();
}
