/* The reader's identity on this site (name, email, commenter token) in localStorage. */

import { STORE } from "./config.js";

/** What was stored for this site: {name?, email?, token?}; {} when storage is off. */
export function stored() {
  try {
    return JSON.parse(localStorage.getItem(STORE)) || {};
  } catch {
    return {};
  }
}

/** Merge `patch` into what is stored. */
export function remember(patch) {
  try {
    localStorage.setItem(STORE, JSON.stringify({ ...stored(), ...patch }));
  } catch {
    // Storage disabled: the reader stays anonymous for this page view.
  }
}
