/* Palaver comments: renders this page's thread into #palaver-thread. Options are the
   script's data-* attributes; the API is the script's own origin. See docs/widget.md.

   Modules: config (the tag's options), i18n + locales/ (strings), api (the HTTP client),
   storage (the reader's identity), dom (elements), format (ages, initials), state,
   render (the thread), forms (comment box, flag form), comments (vote, delete),
   thread (loading), live (Server-Sent Events), permalink (#comment-<id>), styles.css. */

import { options, script } from "./config.js";
import { localeLoad } from "./i18n.js";
import { listen } from "./live.js";
import { followPermalinks } from "./permalink.js";
import { mount } from "./render.js";
import { load } from "./thread.js";

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
  await load();
  listen();
  await followPermalinks();
}

// Once per page, however many times the script is included.
if (script && !window.Palaver) {
  window.Palaver = { version: "1", reload: () => load() };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
}
