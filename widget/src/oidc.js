/* Signing in with the providers the site's owner set up (docs/widget.md, "Signed-in
   readers"): a button per provider opens a popup on the site's own host
   (/auth/oidc/<id>/start), which signs the reader in at the provider and posts the commenter
   token back to this page's origin. Its own file, /oidc.js, which embed.js fetches only for
   sites with providers; it registers itself as window.Palaver.oidc. */

import { API } from "./config.js";
import { button, h } from "./dom.js";
import { remember, stored } from "./storage.js";

const STRINGS = {
  en: { with: "Sign in with {name}", as: "Signed in as", out: "Sign out" },
  es: { with: "Iniciar sesión con {name}", as: "Sesión iniciada como", out: "Cerrar sesión" },
  de: { with: "Mit {name} anmelden", as: "Angemeldet als", out: "Abmelden" },
  fr: { with: "Se connecter avec {name}", as: "Connecté en tant que", out: "Se déconnecter" },
  it: { with: "Accedi con {name}", as: "Accesso come", out: "Esci" },
  pt: { with: "Iniciar sessão com {name}", as: "Sessão iniciada como", out: "Terminar sessão" },
  nl: { with: "Inloggen met {name}", as: "Ingelogd als", out: "Uitloggen" },
  pl: { with: "Zaloguj się przez {name}", as: "Zalogowano jako", out: "Wyloguj" },
  ja: { with: "{name}でログイン", as: "ログイン中:", out: "ログアウト" },
  zh: { with: "使用 {name} 登录", as: "已登录：", out: "退出" },
  ar: { with: "تسجيل الدخول عبر {name}", as: "مسجّل الدخول باسم", out: "تسجيل الخروج" },
  he: { with: "התחברות עם {name}", as: "מחובר/ת בתור", out: "התנתקות" },
};

let heard = null; // the one message listener, for the popup opened last

/** Open the provider's sign-in in a popup; `done` runs when its page posts back. The
    message is taken only from the site's host (event.origin) and from that popup. */
function signIn(provider, done, say) {
  const params = new URLSearchParams({ origin: location.origin });
  const me = stored();
  if (me.token && !me.signed) params.set("guest", me.token); // the guest's comments join
  const popup = window.open(
    `${API}/auth/oidc/${provider.id}/start?${params}`,
    "palaver-signin",
    "popup,width=520,height=680",
  );
  removeEventListener("message", heard);
  heard = (event) => {
    const data = event.data;
    if (event.origin !== API || event.source !== popup || data?.type !== "palaver:signin") return;
    removeEventListener("message", heard);
    if (data.commenter_token) {
      remember({ token: data.commenter_token, signed: { ...data.commenter.author, oidc: 1 } });
      done();
    } else say(data.error?.message || "");
  };
  addEventListener("message", heard);
}

/** Before `composer` (the comment box): a button per provider, or who is signed in and a
    sign-out button. `providers`: the site's [{id, name}]; `t`: the widget's strings. */
function bar(providers, composer, lang, t) {
  const s = STRINGS[lang] || STRINGS.en;
  const me = stored().signed;
  if (me && !me.oidc) return; // signed in by the site's own accounts: sso.js shows who
  const again = () => {
    el.remove();
    composer.replaceChildren(); // the comment box is built anew, for who is signed in now
    window.Palaver.reload().then(() => bar(providers, composer, lang, t));
  };
  const note = h("span", { role: "status" });
  const badge = me && me.badge && t(me.badge);
  const el = h(
    "p",
    { class: "pv-note pv-oidc" },
    me
      ? [
          s.as + " ",
          h("b", {}, me.name),
          badge && [" ", h("span", { class: "pv-badge" }, badge)],
          " ",
          button(s.out, () => {
            remember({ token: null, signed: null });
            again();
          }),
        ]
      : [
          providers.map((p) => [
            button(s.with.replace("{name}", p.name), () =>
              signIn(p, again, (text) => note.replaceChildren(text)),
            ),
            " ",
          ]),
          note,
        ],
  );
  composer.before(el);
}

window.Palaver.oidc = { bar };
