/* The widget's strings. English is built in; every other locale is one JSON file in
   src/locales/, served as /locales/<code>.json and fetched only by readers who ask for it
   (data-locale, else the browser's language). */

import { API, options } from "./config.js";
import en from "./locales/en.json";

const requested = (options.locale || navigator.language || "en").slice(0, 2).toLowerCase();

/** The language the widget speaks: a code it has strings for (PALAVER_LOCALES: the files in
    src/locales/, filled in by build.mjs). */
export let lang = PALAVER_LOCALES.includes(requested) ? requested : "en";
let strings = en;

/** Fetch the reader's locale unless it is English; on failure stay English (and say so). */
export async function localeLoad() {
  if (lang === "en") return;
  try {
    const response = await fetch(`${API}/locales/${lang}.json`, { credentials: "omit" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    strings = { ...en, ...(await response.json()) };
  } catch (error) {
    console.warn(`Palaver: the "${lang}" strings could not be loaded:`, error);
    lang = "en";
  }
}

/** The string `key` (or the key itself, for a word the server sent that we have no string
    for) with its {placeholders} filled from `vars`. */
export function t(key, vars) {
  return (strings[key] || key).replace(/\{(\w+)\}/g, (_, name) => vars[name]);
}
