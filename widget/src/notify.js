/* Reply e-mails: the comment box's choice (docs/notifications.md). Their links to a comment
   are permalink.js's. */

import { h } from "./dom.js";
import { t } from "./i18n.js";

/**
 * The "e-mail me replies" box for the comment box whose e-mail field is `email`, shown once
 * the field holds an address. Checked, the post asks for `notify: "replies"`; the site first
 * sends a confirmation e-mail (double opt-in), as its label says.
 */
export function notifyChoice(email) {
  const choice = h("label", {}, [h("input", { type: "checkbox", name: "notify" }), t("notify")]);
  const show = () => (choice.hidden = !email.value.includes("@"));
  email.oninput = show;
  show();
  return choice;
}
