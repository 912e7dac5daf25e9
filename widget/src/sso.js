/* Signing in with the site's own accounts (docs/widget.md, "Signed-in readers"). Its own
   file, /sso.js, which embed.js fetches only for pages that sign readers in, so embed.js
   stays within its budget. It registers itself as window.Palaver.sso; embed.js hands it
   what it needs (the API client, the stored identity, the thread's state) as `kit`. */

import { button, h } from "./dom.js";

const STRINGS = {
  en: { as: "Signed in as", out: "Sign out", in: "Sign in to comment" },
  es: { as: "Sesión iniciada como", out: "Cerrar sesión", in: "Inicia sesión para comentar" },
  de: { as: "Angemeldet als", out: "Abmelden", in: "Zum Kommentieren anmelden" },
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

const signOut = (kit) => kit.remember({ token: null, signed: null, sso: null });

/** Trade the page's payload for a commenter token (POST /api/v1/auth/sso). An empty payload,
    or one the site refuses, signs out whoever was signed in here. */
async function signIn(kit) {
  const sent = payload(kit.options);
  const me = kit.stored();
  if (sent && sent === me.sso && me.token) return;
  if (!sent) {
    if (me.signed) signOut(kit);
    return;
  }
  try {
    const { data } = await kit.api("POST", "auth/sso", { payload: sent }, false);
    kit.remember({ sso: sent, signed: data.commenter.author });
  } catch (error) {
    if (me.signed) signOut(kit);
    if (error.code !== "sso_signed_out") {
      console.warn(`Palaver: the site's sign-in was refused (${error.code}):`, error.message);
    }
  }
}

/** Above the comment box: who is signed in and the site's sign-out button, or the site's
    sign-in link. */
function bar(kit) {
  const s = STRINGS[kit.lang] || STRINGS.en;
  const me = kit.stored().signed;
  const pages = kit.state.site.sso || {};
  let el = null;
  if (me) {
    const out = () => {
      signOut(kit);
      if (pages.logout_url) {
        location.href = pages.logout_url;
        return;
      }
      el.remove();
      kit.ui.composer.replaceChildren();
      kit.load();
      bar(kit);
    };
    el = h("p", { class: "pv-note pv-sso" }, [
      s.as + " ",
      h("b", {}, me.name),
      me.badge && [" ", h("span", { class: "pv-badge" }, kit.t(me.badge))],
      " ",
      button(s.out, out),
    ]);
  } else if (pages.login_url) {
    el = h("p", { class: "pv-note pv-sso" }, h("a", { href: pages.login_url }, s.in));
  }
  if (el) kit.ui.composer.before(el);
}

window.Palaver.sso = { signIn, bar };
