/* Palaver comments: renders this page's thread into #palaver-thread. Options are the
   script's data-* attributes; the API is the script's own origin. See docs/widget.md.

   Modules: config (the tag's options), i18n + locales/ (strings), api (the HTTP client),
   storage (the reader's identity), dom (elements), format (ages, initials), state,
   render (the thread), forms (comment box, flag form), comments (vote, delete),
   thread (loading), live (Server-Sent Events), permalink (#comment-<id>), styles.css;
   sso.js (signing in with the site's accounts) is a file of its own, fetched when a page
   needs it. */

import { API, options, script } from "./config.js";
import { h } from "./dom.js";
import { lang, localeLoad } from "./i18n.js";
import { listen } from "./live.js";
import { followPermalinks } from "./permalink.js";
import { mount } from "./render.js";
import { state, ui } from "./state.js";
import { load } from "./thread.js";

// Sign-in with the site's own accounts lives in sso.js, fetched only by pages that use it:
// those with data-sso or disqus_config, and those of a site that signs readers in.
const sso = () =>
  window.Palaver.sso ||
  new Promise((done) =>
    document.head.append(h("script", { src: API + "/sso.js", onload: done, onerror: done })),
  ).then(() => window.Palaver.sso);

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
  if ("sso" in options || window.disqus_config) await (await sso())?.signIn(options);
  await load();
  if (state.site.sso) (await sso())?.bar(state.site.sso, ui.composer, lang);
  listen();
  await followPermalinks();
}

// Once per page, however many times the script is included.
if (script && !window.Palaver) {
  window.Palaver = { version: "1", reload: () => load() };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
