// Proves the widget's own ESLint rules (eslint.config.js) still catch what they are for: a
// typo in a selector would otherwise switch a rule off without a sound. Run by
// `make widget-check`: every snippet under BAD must fail, every one under GOOD must pass.

import { ESLint } from "eslint";

const BAD = {
  "HTML from a string": "el.innerHTML = '<b>' + name + '</b>';",
  "HTML from a computed sink": 'el["outerHTML"] = text;',
  "HTML through Object.assign": "Object.assign(el, { innerHTML: text });",
  "an iframe's srcdoc": "frame.srcdoc = text;",
  insertAdjacentHTML: "el.insertAdjacentHTML('beforeend', text);",
  "document.write": "document.write(text);",
  "a second global": "window.palaverState = {};",
  "a host page property": "document.title = 'x';",
  eval: "eval(text);",
  "new Function": "new Function(text)();",
  "a string timer": "setTimeout('go()', 1);",
  "the global `name`": "console.warn(name);",
  "console.log": "console.log(1);",
};
const GOOD = {
  "a comment's sanitized html": "body.innerHTML = c.html;",
  "the one global": "window.Palaver = {};",
  "text content": "el.textContent = text;",
};

const eslint = new ESLint();
const lint = async (code) => {
  const [result] = await eslint.lintText(
    `export const el = {}, text = "", body = {}, c = {}, frame = {};\n${code}`,
    {
      filePath: "src/selftest.js",
    },
  );
  return result.messages.filter((message) => message.severity === 2);
};

let failures = 0;
for (const [what, code] of Object.entries(BAD)) {
  if (!(await lint(code)).length) {
    console.error(`eslint.config.js lets through ${what}: ${code}`);
    failures++;
  }
}
for (const [what, code] of Object.entries(GOOD)) {
  const errors = await lint(code);
  if (errors.length) {
    console.error(`eslint.config.js refuses ${what}: ${code} (${errors[0].message})`);
    failures++;
  }
}
if (failures) process.exit(1);
console.log(`eslint.config.js: ${Object.keys(BAD).length} forbidden patterns caught`);
