/* Palaver comments: renders this page's thread into #palaver-thread. Options are the
   script's data-* attributes; the API is the script's own origin. See docs/widget.md.

   Modules: config (the tag's options), i18n + locales/ (strings), api (the HTTP client),
   storage (the reader's identity), dom (elements), format (ages, initials), state,
   render (the thread), forms (comment box, flag form), comments (vote, delete),
   thread (loading), live (Server-Sent Events), styles.css; sso.js (signing in with the
   site's accounts), signin.js (by e-mail link, fetched by sso.js), oidc.js (with the
   site's providers), permalink.js (#comment-<id>) and privacy.js (a reader's "Your data")
   are files of their own, fetched when a page needs them. */

import { API, options, script } from "./config.js";
import { h } from "./dom.js";
import { lang, localeLoad, t } from "./i18n.js";
import { listen } from "./live.js";
import { mount, paint } from "./render.js";
import { state, ui } from "./state.js";
import { stored } from "./storage.js";
import { load } from "./thread.js";

// Parts in files of their own, fetched only by pages that need them: sso.js (sign-in with the
// site's own accounts: pages with data-sso or disqus_config, and those of a site that signs
// readers in, by its accounts or by e-mail link: sso.js then fetches signin.js through the
// loader it is handed), oidc.js (sites with sign-in providers), permalink.js (pages opened
// at #comment-<id>) and privacy.js (readers with a token: export and erase their data).
const part = async (name) => {
  if (!window.Palaver[name]) {
    await new Promise((done) =>
      document.head.append(h("script", { src: `${API}/${name}.js`, onload: done, onerror: done })),
    );
  }
  return window.Palaver[name];
};
const reveal = () =>
  /^#comment-\d+$/.test(location.hash) &&
  part("permalink").then((p) => p?.reveal({ state, load, paint }));

async function start() {
  const host = document.getElementById("palaver-thread");
  if (!options.url) {
    console.error('Palaver: add data-url="CANONICAL_PAGE_URL" to the script tag.');
    return;
  }
  if (!host) {
    console.error('Palaver: add <div id="palaver-thread"></div> to the page.');
    return;
  }
  await localeLoad();
  mount(host);
  if ("sso" in options || window.disqus_config) await (await part("sso"))?.signIn(options);
  await load();
  for (const name of ["sso", "oidc"])
    if (state.site[name]) (await part(name))?.bar(state.site[name], ui.composer, lang, t, part);
  if (stored().token) part("privacy");
  listen();
  addEventListener("hashchange", reveal);
  await reveal();
}

// Once per page, however many times the script is included.
if (script && !window.Palaver) {
  window.Palaver = { version: "1", reload: () => load() };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
