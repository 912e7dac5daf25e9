/* Signing in by a link e-mailed to the reader (docs/api.md, "POST /auth/magic"). Its own
   file, /signin.js, fetched by sso.js only for sites that turned it on (site.sso.email), so
   embed.js stays within its budget. It registers itself as window.Palaver.signin.

   A page opened from the link carries #palaver-magic=<code>: the code leaves the address bar
   at once (history.replaceState, so it is neither bookmarked nor shared nor sent as a
   Referer), then is traded for a commenter token; the thread is loaded again as the
   signed-in reader. Readers who are not signed in get a "Sign in by e-mail" button above
   the comment box that opens a small form. sso.js shows who is signed in, and signs out. */

import { api } from "./api.js";
import { button, h } from "./dom.js";
import { remember, stored } from "./storage.js";

const STRINGS = {
  en: {
    by: "Sign in by e-mail",
    send: "Send me a sign-in link",
    sent: "Check your inbox: the link there signs you in (for 15 minutes).",
    bad: "This sign-in link has been used or has expired. Ask for a new one.",
  },
  es: {
    by: "Iniciar sesión por correo",
    send: "Enviarme un enlace",
    sent: "Revisa tu correo: el enlace te inicia sesión (durante 15 minutos).",
    bad: "Este enlace ya se usó o ha caducado. Pide uno nuevo.",
  },
  de: {
    by: "Per E-Mail anmelden",
    send: "Anmeldelink senden",
    sent: "Sieh in dein Postfach: Der Link dort meldet dich an (15 Minuten lang).",
    bad: "Dieser Anmeldelink wurde schon benutzt oder ist abgelaufen. Fordere einen neuen an.",
  },
  fr: {
    by: "Se connecter par e-mail",
    send: "M’envoyer un lien",
    sent: "Consultez votre boîte mail : le lien vous connecte (pendant 15 minutes).",
    bad: "Ce lien a déjà servi ou a expiré. Demandez-en un nouveau.",
  },
  it: {
    by: "Accedi via e-mail",
    send: "Inviami un link",
    sent: "Controlla la posta: il link ti fa accedere (per 15 minuti).",
    bad: "Questo link è già stato usato o è scaduto. Chiedine uno nuovo.",
  },
  pt: {
    by: "Entrar por e-mail",
    send: "Enviar-me um link",
    sent: "Verifique o seu e-mail: o link inicia a sessão (durante 15 minutos).",
    bad: "Este link já foi usado ou expirou. Peça um novo.",
  },
  nl: {
    by: "Inloggen via e-mail",
    send: "Stuur me een link",
    sent: "Kijk in je inbox: met de link daar log je in (15 minuten geldig).",
    bad: "Deze link is al gebruikt of verlopen. Vraag een nieuwe aan.",
  },
  pl: {
    by: "Zaloguj się przez e-mail",
    send: "Wyślij mi link",
    sent: "Sprawdź skrzynkę: link z wiadomości zaloguje cię (ważny 15 minut).",
    bad: "Ten link został już użyty lub wygasł. Poproś o nowy.",
  },
  ja: {
    by: "メールでログイン",
    send: "ログインリンクを送信",
    sent: "メールを確認してください。リンクからログインできます（15分間有効）。",
    bad: "このリンクは使用済みか期限切れです。新しいリンクを請求してください。",
  },
  zh: {
    by: "通过电子邮件登录",
    send: "发送登录链接",
    sent: "请查收邮件：点击其中的链接即可登录（15 分钟内有效）。",
    bad: "此链接已使用或已过期，请重新获取。",
  },
  ar: {
    by: "تسجيل الدخول عبر البريد",
    send: "أرسل لي رابطًا",
    sent: "تحقّق من بريدك: الرابط فيه يسجّل دخولك (صالح 15 دقيقة).",
    bad: "هذا الرابط مستخدم أو منتهي الصلاحية. اطلب رابطًا جديدًا.",
  },
  he: {
    by: "התחברות באימייל",
    send: "שלחו לי קישור",
    sent: "בדקו את תיבת הדואר: הקישור שם מחבר אתכם (בתוקף 15 דקות).",
    bad: "הקישור כבר נוצל או שפג תוקפו. בקשו קישור חדש.",
  },
};

/** The page's canonical URL: the embed.js tag's data-url (this file's own tag has none). */
const pageUrl = () => document.querySelector('script[src*="/embed.js"][data-url]').dataset.url;

// Refusals of a link (docs/api.md) the reader is told about in their own words.
const SPENT = { magic_invalid: 1, magic_used: 1, magic_expired: 1 };

/** Redeem the link's code if the address carries one; true once signed in by it.
    `say(text)`: show a refusal. */
async function redeem(say, s) {
  const match = /^#palaver-magic=([\w-]+)$/.exec(location.hash);
  if (!match) return false;
  history.replaceState(history.state, "", location.pathname + location.search);
  const me = stored();
  try {
    const { data } = await api(
      "POST",
      "auth/magic/redeem",
      { code: match[1], guest_token: (!me.signed && me.token) || undefined },
      false,
    );
    remember({ signed: data.commenter.author, sso: null });
    return true;
  } catch (error) {
    say(SPENT[error.code] ? s.bad : error.message || error.code);
    return false;
  }
}

/** Above `composer` (the comment box): a page opened from a link signs the reader in and
    the thread loads again; a reader who is not signed in gets the "Sign in by e-mail"
    button and form. `t`: the widget's strings (field labels). */
async function start(composer, lang, t) {
  const s = STRINGS[lang] || STRINGS.en;
  const message = h("p", { class: "pv-msg", role: "status" });
  const say = (text, ok) => {
    message.className = ok ? "pv-msg pv-ok" : "pv-msg";
    message.textContent = text;
  };
  const box = h("div", { class: "pv-signin" }, message);
  composer.before(box);
  if (await redeem(say, s)) {
    composer.replaceChildren(); // the comment box is drawn again, for a signed-in reader
    await window.Palaver.reload();
  }
  if (stored().signed) return;

  const input = (name, type, label) =>
    h("label", {}, [
      label,
      h("input", {
        name,
        type,
        autocomplete: name,
        maxlength: type === "email" ? 254 : 64,
        required: type === "email",
      }),
    ]);
  const form = h("form", { class: "pv-form", hidden: true, onsubmit: send }, [
    h("div", { class: "pv-row" }, [
      input("email", "email", t("email")),
      input("name", "text", t("name")),
      h("button", { type: "submit", class: "pv-primary" }, s.send),
    ]),
  ]);
  const open = button(s.by, () => {
    form.hidden = !form.hidden;
    open.setAttribute("aria-expanded", String(!form.hidden));
    if (form.hidden) return;
    // The name the reader went by as a guest, to keep or change.
    const [email, name] = form.querySelectorAll("input");
    name.value = name.value || stored().name || "";
    email.focus();
  });
  open.setAttribute("aria-expanded", "false");
  box.prepend(open, form);

  async function send(event) {
    event.preventDefault();
    const [email, name] = [...form.querySelectorAll("input")].map((el) => el.value.trim());
    const submit = form.querySelector("[type=submit]");
    submit.disabled = true;
    try {
      await api("POST", "auth/magic", { email, name, url: pageUrl() }, false);
      form.hidden = true;
      open.setAttribute("aria-expanded", "false");
      say(s.sent, true);
    } catch (error) {
      const fields = error.fields && Object.values(error.fields).flat().join(" ");
      say(fields || error.message || error.code);
    } finally {
      submit.disabled = false;
    }
  }
}

window.Palaver.signin = { start };
