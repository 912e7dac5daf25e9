/* How a comment's facts read: its age and its author's initial. */

import { serverNow } from "./api.js";
import { lang, t } from "./i18n.js";

const DAY = 86400;
let relative = null;

// Milliseconds since the start of the month: compares day and time of two dates.
const intoMonth = (date) => date.getUTCDate() * DAY * 1000 + (date % (DAY * 1000));

/**
 * "3 minutes ago", "2 years ago": the age of `iso` by the server's clock, every unit floored
 * so an age is never overstated (2 years 7 months is "2 years ago"). Months and years are
 * calendar months, counted once the day and time have come round again. Under a minute, or
 * in the future (a clock behind), it is "just now".
 */
export function ago(iso) {
  const then = new Date(iso);
  const now = new Date(serverNow());
  const seconds = (now - then) / 1000;
  const months =
    (now.getUTCFullYear() - then.getUTCFullYear()) * 12 +
    now.getUTCMonth() -
    then.getUTCMonth() -
    (intoMonth(now) < intoMonth(then) ? 1 : 0);
  let value, unit;
  if (months >= 12) [value, unit] = [months / 12, "year"];
  else if (months > 0) [value, unit] = [months, "month"];
  else if (seconds >= DAY) [value, unit] = [seconds / DAY, "day"];
  else if (seconds >= 3600) [value, unit] = [seconds / 3600, "hour"];
  else [value, unit] = [seconds / 60, "minute"];
  if (value < 1) return t("now");
  // "numeric: always": "auto" would say "yesterday" or "last year", which can misstate.
  relative = relative || new Intl.RelativeTimeFormat(lang, { numeric: "always" });
  return relative.format(-Math.floor(value), unit);
}

/** The name's first grapheme, upper-cased: "😀 Ann" starts with one emoji, not half. */
export function initial(name) {
  const first = Intl.Segmenter
    ? new Intl.Segmenter().segment(name)[Symbol.iterator]().next().value.segment
    : Array.from(name)[0];
  return first.toUpperCase();
}
