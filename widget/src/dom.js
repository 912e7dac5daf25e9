/* Building elements. Strings always become text nodes: the one place HTML goes in is the
   server-sanitized comment body in render.js (and ESLint refuses any other). */

/**
 * An element: `props` become attributes (`onclick` and the like become listeners; null and
 * false are left out, true is an empty attribute); `kids` are nodes or strings, nested
 * arrays allowed, null and false skipped.
 */
export function h(tag, props, kids) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value == null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else el.setAttribute(key, value === true ? "" : value);
  }
  for (const kid of [kids].flat(9)) if (kid != null && kid !== false) el.append(kid);
  return el;
}

/** A real <button type=button>, so it never submits the form it sits in. */
export function button(label, onclick, props) {
  return h("button", { type: "button", onclick, ...props }, label);
}

/** Move keyboard focus to `el`, which need not be a control (a comment, the heading). */
export function focus(el) {
  el.tabIndex = -1;
  el.focus();
}
