/* The client of the site's widget API (docs/api.md): JSON in and out, the reader's token,
   errors as {code, message, fields?, status, retry}, and the server's clock. */

import { API } from "./config.js";
import { t } from "./i18n.js";
import { remember, stored } from "./storage.js";

// The server's clock minus the reader's, in ms, from the last answer's Date header (exposed
// by CORS). The header is whole seconds and leaves the server before it arrives, so the
// estimate runs a little behind the server: ages come out a little young, never old.
let skew = 0;

/** Now by the server's clock, in ms since the epoch. */
export function serverNow() {
  return Date.now() + skew;
}

/**
 * Call `method /api/v1/<path>` with `body` as JSON; `auth` sends the reader's token.
 * Resolves to {status, data}; a token in the answer is stored. Rejects with the API's error
 * object plus `status` and `retry` (Retry-After), or {code: "network"} when offline.
 */
export async function api(method, path, body, auth = true) {
  const headers = {};
  const token = stored().token;
  if (body) headers["Content-Type"] = "application/json";
  if (auth && token) headers.Authorization = "Bearer " + token;
  let response;
  try {
    response = await fetch(`${API}/api/v1/${path}`, {
      method,
      headers,
      body: body && JSON.stringify(body),
      credentials: "omit",
    });
  } catch {
    throw { code: "network" };
  }
  const data = response.status === 204 ? null : await response.json().catch(() => null);
  if (data && data.commenter_token) remember({ token: data.commenter_token });
  const date = Date.parse(response.headers.get("Date"));
  if (date) skew = date - Date.now();
  if (!response.ok) {
    // A token the site no longer accepts (revoked, or from another site) is forgotten.
    // (Only when it was sent: a refused sign-in says nothing of the token.)
    if (response.status === 401 && auth && token) remember({ token: null });
    const error = (data && data.error) || { code: "http" };
    error.status = response.status;
    error.retry = response.headers.get("Retry-After");
    throw error;
  }
  return { status: response.status, data };
}

// Error codes (docs/api.md) the widget words itself; others show the API's message.
const ERROR_STRINGS = {
  network: "netErr",
  thread_closed: "closed",
  edit_window_closed: "editClosed",
  guests_not_allowed: "noGuests",
};

/** What to tell the reader about a failed call. */
export function errorText(error) {
  if (error.status === 429 && error.retry) return t("rate", { n: error.retry });
  const known = ERROR_STRINGS[error.code];
  return known ? t(known) : error.message || t("netErr");
}
