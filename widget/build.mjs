// Builds the widget from src/ into dist/, the files the platform serves and git keeps:
//   dist/embed.js, count.js, sso.js, oidc.js, permalink.js, signin.js, privacy.js
//                                  bundled by esbuild, minified by esbuild then
//                                  terser (one IIFE each)
//   dist/locales/<code>.json       every locale but English (built into embed.js)
//   dist/SOURCES                   the sha256 of every input, so `make test` (no Node) can
//                                  tell when src/ changed without a rebuild
// `node build.mjs --check` builds in memory and fails if dist/ differs (CI: make widget-check).

import { createHash } from "node:crypto";
import { fileURLToPath } from "node:url";
import { readFile, readdir, mkdir, writeFile, rm } from "node:fs/promises";
import * as esbuild from "esbuild";
import { minify } from "terser";

const SRC = new URL("./src/", import.meta.url);
const DIST = new URL("./dist/", import.meta.url);
const BANNER = "/* Palaver: built from widget/src by `make widget`; edit the source, not this. */";

const locales = (await readdir(new URL("locales/", SRC)))
  .filter((name) => name.endsWith(".json"))
  .map((name) => name.slice(0, -".json".length))
  .sort();

// `import css from "./styles.css"` gives the stylesheet minified, as a string.
const cssAsText = {
  name: "css-as-text",
  setup(build) {
    build.onLoad({ filter: /\.css$/ }, async (args) => {
      const source = await readFile(args.path, "utf8");
      const { code } = await esbuild.transform(source, { loader: "css", minify: true });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

async function bundle(entry) {
  const result = await esbuild.build({
    entryPoints: [fileURLToPath(new URL(entry, SRC))],
    bundle: true,
    format: "iife",
    target: "es2020",
    minify: true,
    charset: "utf8",
    legalComments: "none",
    define: { PALAVER_LOCALES: JSON.stringify(locales) },
    plugins: [cssAsText],
    write: false,
  });
  // esbuild bundles; terser's second look at the bundle (two compress passes, names mangled
  // across the whole IIFE) makes embed.js about 3 % smaller after gzip, which is what keeps
  // it within its budget (docs/widget.md). Both are deterministic for pinned versions.
  const { code } = await minify(result.outputFiles[0].text, {
    ecma: 2020,
    toplevel: true,
    compress: { passes: 2 },
    mangle: true,
    format: { preamble: BANNER, comments: false },
  });
  return code + "\n";
}

/** Every built file: path under dist/ -> contents. */
async function build() {
  const files = {
    "embed.js": await bundle("embed.js"),
    "count.js": await bundle("count.js"),
    "sso.js": await bundle("sso.js"),
    "oidc.js": await bundle("oidc.js"),
    "permalink.js": await bundle("permalink.js"),
    "signin.js": await bundle("signin.js"),
    "privacy.js": await bundle("privacy.js"),
  };
  for (const code of locales.filter((code) => code !== "en")) {
    const strings = JSON.parse(await readFile(new URL(`locales/${code}.json`, SRC), "utf8"));
    files[`locales/${code}.json`] = JSON.stringify(strings) + "\n";
  }
  files.SOURCES = await sources();
  return files;
}

/** Every file under `dir` (a URL), as paths relative to it, sorted. */
async function tree(dir, prefix = "") {
  const paths = [];
  for (const entry of await readdir(new URL(prefix, dir), { withFileTypes: true })) {
    const name = prefix + entry.name;
    if (entry.isDirectory()) paths.push(...(await tree(dir, name + "/")));
    else paths.push(name);
  }
  return paths.sort();
}

// "<sha256>  <path>" per input, as sha256sum writes it (tests/test_widget_assets.py reads it).
async function sources() {
  const inputs = [
    ...(await tree(SRC)).map((path) => "src/" + path),
    "build.mjs",
    "package-lock.json",
  ];
  const lines = [];
  for (const path of inputs) {
    const digest = createHash("sha256").update(await readFile(new URL(path, import.meta.url)));
    lines.push(`${digest.digest("hex")}  ${path}`);
  }
  return lines.join("\n") + "\n";
}

/** What dist/ holds now: path -> contents ({} before the first build). */
async function existing() {
  const found = {};
  const paths = await tree(DIST).catch(() => []);
  for (const path of paths) found[path] = await readFile(new URL(path, DIST), "utf8");
  return found;
}

const built = await build();
const committed = await existing();
const names = [...new Set([...Object.keys(built), ...Object.keys(committed)])].sort();
const stale = names.filter((name) => built[name] !== committed[name]);

if (process.argv.includes("--check")) {
  if (stale.length) {
    console.error(`widget/dist is not what widget/src builds: ${stale.join(", ")}`);
    console.error("Run `make widget` and commit widget/dist.");
    process.exit(1);
  }
  console.log(`widget/dist matches widget/src (${names.length} files)`);
} else {
  await rm(DIST, { recursive: true, force: true });
  for (const [name, text] of Object.entries(built)) {
    const path = new URL(name, DIST);
    await mkdir(new URL(".", path), { recursive: true });
    await writeFile(path, text);
  }
  console.log(`widget/dist: ${Object.keys(built).join(", ")}`);
}
