// ESLint (flat config). The widget runs inside other people's pages, so beyond the
// recommended rules these say what it must never do there.
import js from "@eslint/js";
import globals from "globals";

const HTML_SINKS = /^(innerHTML|outerHTML|srcdoc)$/;

export default [
  { ignores: ["dist/", "node_modules/"] },
  js.configs.recommended,
  {
    files: ["src/**/*.js"],
    languageOptions: {
      sourceType: "module",
      globals: { ...globals.browser, PALAVER_LOCALES: "readonly" },
    },
    rules: {
      "no-restricted-syntax": [
        "error",
        {
          // The one HTML that goes in is a comment's `html`, sanitized by the server.
          selector: `AssignmentExpression[left.property.name=${HTML_SINKS}]:not([right.type="MemberExpression"][right.property.name="html"])`,
          message: "Only a comment's server-sanitized `html` goes in as HTML; build with dom.h.",
        },
        {
          selector: `AssignmentExpression[left.computed=true][left.property.value=${HTML_SINKS}]`,
          message: "Only a comment's server-sanitized `html` goes in as HTML; build with dom.h.",
        },
        {
          selector: `Property[key.name=${HTML_SINKS}]`,
          message: "Only a comment's server-sanitized `html` goes in as HTML; build with dom.h.",
        },
        {
          selector:
            "CallExpression[callee.property.name=/^(insertAdjacentHTML|createContextualFragment|parseFromString|setHTMLUnsafe|write|writeln)$/]",
          message: "No HTML from strings: build elements with dom.h.",
        },
        {
          selector:
            "AssignmentExpression[left.object.name=/^(window|globalThis|self|document)$/]:not([left.object.name='window'][left.property.name='Palaver'])",
          message: "The widget's one global is window.Palaver; leave the host page's alone.",
        },
      ],
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-new-func": "error",
      "no-script-url": "error",
      "no-restricted-globals": [
        "error",
        // Browser globals that read like local names and hide a missing declaration.
        ...["event", "name", "status", "parent", "top", "origin", "length", "close", "open"],
      ],
      "no-console": ["error", { allow: ["warn", "error"] }],
      "no-var": "error",
      "prefer-const": "error",
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    files: ["*.js", "*.mjs"],
    languageOptions: { sourceType: "module", globals: globals.node },
  },
];
