/* What the host page asked for: the script tag's data-* options, and where the API is. */

// Captured while the script runs for the first time: currentScript is null afterwards.
export const script =
  document.currentScript || document.querySelector('script[src*="/embed.js"][data-url]');

/** The tag's data-* attributes: url (required), key, title, theme, locale, live. */
export const options = script ? script.dataset : {};

/** The site's origin: the API and the locale files live where the script came from. */
export const API = script ? new URL(script.src).origin : "";

/** The localStorage key of the reader's identity: one per site, whatever page embeds it. */
export const STORE = "palaver:" + API;

/** When the page loaded; sent with a post (a comment typed in no time is suspicious). */
export const loadedAt = Date.now();
