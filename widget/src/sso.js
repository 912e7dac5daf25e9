/* Signing in with the site's own accounts (docs/widget.md, "Signed-in readers"). Its own
   file, /sso.js, which embed.js fetches only for pages that sign readers in, so embed.js
   stays within its budget. It registers itself as window.Palaver.sso. It is served from the
   site's host like embed.js, so its API client and storage are the same site's. */

import { api } from "./api.js";
import { button, h } from "./dom.js";
import { remember, stored } from "./storage.js";

const STRINGS = {
  en: { as: "Signed in as", out: "Sign out", in: "Sign in to comment" },
  es: { as: "Sesión iniciada como", out: "Cerrar sesión", in: "Inicia sesión para comentar" },
  de: { as: "Angemeldet als", out: "Abmelden", in: "Zum Kommentieren anmelden" },
  fr: { as: "Connecté en tant que", out: "Se déconnecter", in: "Connectez-vous pour commenter" },
  it: { as: "Accesso come", out: "Esci", in: "Accedi per commentare" },
  pt: { as: "Sessão iniciada como", out: "Terminar sessão", in: "Inicie sessão para comentar" },
  nl: { as: "Ingelogd als", out: "Uitloggen", in: "Log in om te reageren" },
  pl: { as: "Zalogowano jako", out: "Wyloguj", in: "Zaloguj się, aby komentować" },
  ja: { as: "ログイン中:", out: "ログアウト", in: "ログインしてコメント" },
  zh: { as: "已登录：", out: "退出", in: "登录后评论" },
  ar: { as: "مسجّل الدخول باسم", out: "تسجيل الخروج", in: "سجّل الدخول للتعليق" },
  he: { as: "מחובר/ת בתור", out: "התנתקות", in: "התחברו כדי להגיב" },
};

/** The page's payload: data-sso, else what a Disqus-era page's disqus_config sets as
    this.page.remote_auth_s3 (called with a stand-in `this`, as Disqus calls it). */
function payload(options) {
  if ("sso" in options) return options.sso;
  const page = {};
  try {
    window.disqus_config.call({ page, sso: {}, callbacks: {}, language: "" });
  } catch (error) {
    console.warn("Palaver: disqus_config failed:", error);
  }
  return page.remote_auth_s3 || "";
}

const signOut = () => remember({ token: null, signed: null, sso: null });

/** Trade the page's payload (`options`: the script tag's data-*) for a commenter token
    (POST /api/v1/auth/sso). An empty payload, or one the site refuses, signs out whoever
    was signed in here. */
async function signIn(options) {
  const sent = payload(options);
  const me = stored();
  if (sent && sent === me.sso && me.token) return;
  if (!sent) {
    if (me.signed) signOut();
    return;
  }
  try {
    // A guest's comments on this browser join the signed-in reader.
    const guest = (!me.signed && me.token) || undefined;
    const { data } = await api("POST", "auth/sso", { payload: sent, guest_token: guest }, false);
    remember({ sso: sent, signed: data.commenter.author });
  } catch (error) {
    if (me.signed) signOut();
    if (error.code !== "sso_signed_out") {
      console.warn(`Palaver: the site's sign-in was refused (${error.code}):`, error.message);
    }
  }
}

/** Before `composer` (the comment box): who is signed in and a sign-out button, or a link
    to the site's sign-in page. `pages`: the site's {login_url, logout_url, email}; `t`: the
    widget's strings (badge names); `part`: embed.js's loader of parts, for signin.js
    (sign-in by e-mail link, when `pages.email`). */
async function bar(pages, composer, lang, t, part) {
  // (An embed.js from before signin.js hands no loader: no e-mail sign-in then.)
  if (pages.email && part) await (await part("signin"))?.start(composer, lang, t);
  const s = STRINGS[lang] || STRINGS.en;
  const me = stored().signed;
  const out = () => {
    signOut();
    if (pages.logout_url) location.href = pages.logout_url;
    else location.reload();
  };
  const badge = me && me.badge && t(me.badge);
  const el = me
    ? h("p", { class: "pv-note pv-sso" }, [
        s.as + " ",
        h("b", {}, me.name),
        badge && [" ", h("span", { class: "pv-badge" }, badge)],
        " ",
        button(s.out, out),
      ])
    : pages.login_url &&
      h("p", { class: "pv-note pv-sso" }, h("a", { href: pages.login_url }, s.in));
  if (el) composer.before(el);
}

window.Palaver.sso = { signIn, bar };
