/* The comment box (new comment, reply, edit) and the flag form. */

import { api, errorText } from "./api.js";
import { added } from "./comments.js";
import { loadedAt, options } from "./config.js";
import { button, focus, h } from "./dom.js";
import { notifyChoice } from "./notify.js";
import { t } from "./i18n.js";
import { note, paint } from "./render.js";
import { nextId, state } from "./state.js";
import { remember, stored } from "./storage.js";

// API field -> the label the reader knows it by.
const FIELD_LABELS = { body: "write", author_name: "name", author_email: "email" };

/**
 * The comment box. `o`: {label} for a new comment, plus {parent: node} for a reply or
 * {edit: node} for an edit; {cancel, done} callbacks for boxes that close.
 */
export function form(o) {
  const me = stored();
  const id = nextId();
  const text = h("textarea", {
    id,
    rows: 3,
    placeholder: o.label,
    onkeydown: (event) => {
      if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) f.requestSubmit();
    },
  });
  if (o.edit) {
    // Edit the Markdown as written (this page view or /thread/me), else the shown text.
    text.value =
      state.sources[o.edit.c.id] ||
      o.edit.c.body ||
      o.edit.main.querySelector(".pv-body").innerText;
  }
  const input = (name, type, value, label) => {
    const maxlength = type === "email" ? 254 : 100;
    const el = h("input", { name, type, autocomplete: name, maxlength });
    el.value = value || "";
    return h("label", {}, [label, el]);
  };
  // Guests give a name, and an e-mail address when the site asks for one or they want
  // replies by e-mail. A signed-in reader is named by the site's sign-in (sso.js).
  const guest = !(o.edit || me.signed) && [
    input("name", "text", me.name, t("name")),
    input("email", "email", me.email, t("email")),
  ];
  // Left empty by people, filled in by bots that fill in every field.
  const honeypot = h("input", {
    name: "website",
    class: "pv-hp",
    tabindex: "-1",
    autocomplete: "off",
    "aria-hidden": "true",
  });
  const message = h("div", { class: "pv-msg", role: "alert" });
  const send = h(
    "button",
    { type: "submit", class: "pv-primary" },
    t(o.edit ? "save" : o.parent ? "reply" : "post"),
  );
  const f = h("form", { class: "pv-form", novalidate: true, onsubmit: submit }, [
    h("label", { for: id, class: "pv-sr" }, o.label),
    text,
    h("small", { class: "pv-hint" }, t("hint")),
    honeypot,
    message,
    h("div", { class: "pv-row" }, [
      guest,
      h("span", { class: "pv-end" }, [o.cancel && button(t("cancel"), o.cancel), send]),
    ]),
    guest && notifyChoice(guest[1].lastChild),
  ]);
  const field = (name) => f.querySelector(`[name=${name}]`);

  async function submit(event) {
    event.preventDefault();
    if (send.disabled) return;
    send.disabled = true;
    message.className = "pv-msg pv-ok";
    message.textContent = t("sending");
    f.querySelectorAll("[aria-invalid]").forEach((el) => el.removeAttribute("aria-invalid"));
    const name = field("name") && field("name").value.trim();
    const email = field("email") && field("email").value.trim();
    let shown = o.edit;
    try {
      if (o.edit) {
        const { data } = await api("PATCH", `comments/${o.edit.c.id}`, { body: text.value });
        Object.assign(o.edit.c, data, { replies: o.edit.c.replies });
        state.sources[data.id] = text.value;
        paint(o.edit);
      } else {
        const { status, data } = await api("POST", "comments", {
          url: options.url,
          key: options.key,
          title: options.title || document.title,
          parent: o.parent && o.parent.c.id,
          body: text.value,
          author_name: name || undefined,
          author_email: email || undefined,
          notify: email && field("notify").checked ? "replies" : undefined,
          hp: honeypot.value,
          t: Date.now() - loadedAt,
        });
        remember(email ? { name, email } : { name });
        state.sources[data.id] = text.value;
        text.value = "";
        message.textContent = "";
        // Past the site's max_depth the API attaches a reply to the parent's parent.
        added(data, o.parent && state.nodes.get(data.parent), status === 202);
        shown = state.nodes.get(data.id);
      }
      // A box that closes hands focus to what it made; the main box keeps it, for more.
      if (o.done) {
        o.done();
        focus(shown.el);
      }
    } catch (error) {
      message.className = "pv-msg";
      const inputs = { body: text, author_name: field("name"), author_email: field("email") };
      const problems = Object.entries(error.fields || {}).map(([key, messages]) => {
        if (inputs[key]) inputs[key].setAttribute("aria-invalid", "true");
        const label = FIELD_LABELS[key] ? t(FIELD_LABELS[key]) + ": " : "";
        return h("li", {}, label + [].concat(messages).join(" "));
      });
      message.replaceChildren(problems.length ? h("ul", {}, problems) : errorText(error));
    } finally {
      send.disabled = false;
    }
  }
  return f;
}

/** Open a reply or edit box under the comment of `node` (see form for `o`). */
export function openForm(node, o) {
  const close = () => node.slot.replaceChildren();
  const f = form({ cancel: close, done: close, ...o });
  node.slot.replaceChildren(f);
  f.querySelector("textarea").focus();
}

/** Ask for a reason and flag the comment of `node`. */
export function flagForm(node) {
  const reason = h(
    "select",
    { id: nextId() },
    ["spam", "abuse", "off_topic", "other"].map((value) => h("option", { value }, t(value))),
  );
  const send = async (event) => {
    event.preventDefault();
    try {
      await api("POST", `comments/${node.c.id}/flag`, { reason: reason.value });
      note(node, t("flagged"), true);
    } catch (error) {
      note(node, errorText(error));
    }
  };
  node.slot.replaceChildren(
    h("form", { class: "pv-row", onsubmit: send }, [
      h("label", {}, [t("reason"), reason]),
      button(t("cancel"), () => node.slot.replaceChildren()),
      h("button", { type: "submit", class: "pv-primary" }, t("report")),
    ]),
  );
  reason.focus();
}
