/* The widget's strings. English is built in; every other locale is one JSON file in
   src/locales/, served as /locales/<code>.json and fetched only by readers who need it.
   The locale comes from data-locale, else the host page's lang, else the browser's language.
   A string is text with {placeholders}, or (counts) an object keyed by the plural category
   of Intl.PluralRules ("zero", "one", "two", "few", "many", "other"). "dir" says which way
   the language runs ("ltr" or "rtl"). */

import { API, options } from "./config.js";
import en from "./locales/en.json";

const requested = (options.locale || document.documentElement.lang || navigator.language || "en")
  .slice(0, 2)
  .toLowerCase();

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
    for) with its {placeholders} filled from `vars`; a count's form follows `vars.n` by the
    language's plural rules, "other" where the locale has no such form. */
export function t(key, vars) {
  let text = strings[key] || key;
  if (text.other) text = text[new Intl.PluralRules(lang).select(vars.n)] || text.other;
  return text.replace(/\{(\w+)\}/g, (_, name) => vars[name]);
}
