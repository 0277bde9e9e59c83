// Size: what each shipped build ships (wasm + JS glue) and, for the same job (list instances with
// the bearer and JSON headers), a hand-written fetch wrapper, openapi-fetch and ky, and waapi-wasm
// itself, each bundled and minified by esbuild. raw / gzip -9 / brotli -q 11 bytes; wasm and JS
// are compressed separately, as a server sends them.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import * as esbuild from "esbuild";
import { root, table, int } from "./lib.mjs";

const measure = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length,
});
const files = (paths) => Buffer.concat(paths.map((p) => readFileSync(`${root}${p}`)));
const sum = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const NONE = { raw: 0, gzip: 0, brotli: 0 };

async function bundle(entry) {
  const out = await esbuild.build({
    entryPoints: [`${root}bench/alternatives/${entry}`],
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  return Buffer.from(out.outputFiles[0].contents);
}

/** wasm-bindgen's inline JS snippets under `dir`: glue every build loads. */
const snippets = (dir) =>
  readdirSync(`${root}${dir}/snippets`, { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .map((f) => `${dir}/snippets/${f}`);

export async function sizes() {
  const pkgWasm = measure(files(["pkg/waapi_wasm_bg.wasm"]));
  const edgeWasm = measure(files(["worker/build/waapi_edge_bg.wasm"]));
  // Each entry with what it loads: the glue, its snippets and the action methods (actions.js,
  // every client action) when the entry imports them.
  const entry = (file) => [
    "pkg/waapi_wasm.js",
    ...snippets("pkg"),
    ...(/["']\.\/actions\.js["']/.test(readFileSync(`${root}pkg/${file}`, "utf8")) ? ["pkg/actions.js"] : []),
    `pkg/${file}`,
  ];
  const builds = [
    ["node", pkgWasm, entry("node.js"), "shipped"],
    ["workerd", pkgWasm, entry("workerd.js"), "shipped"],
    ["browser", pkgWasm, entry("browser.js"), "shipped"],
    ["web", pkgWasm, entry("web.js"), "shipped"],
    ["worker", edgeWasm, ["worker/build/waapi_edge.js", ...snippets("worker/build"), "worker/src/index.js", "worker/src/events.js"], "shipped"],
  ];
  const result = {};
  const describe = {};
  for (const [name, wasm, glue] of builds) {
    const js = measure(files(glue));
    result[name] = { ...sum(wasm, js), wasm, js };
    describe[name] = `unbundled: wasm + ${glue.join(" + ")}`;
  }
  // The whole-API build: the largest package build as shipped (every action in it).
  const whole = Object.entries(result).filter(([n]) => n !== "worker").sort((a, b) => b[1].gzip - a[1].gzip)[0];
  result.whole_api = { ...whole[1], build: whole[0] };
  describe.whole_api = `the largest package build (${whole[0]}), every client action in it`;
  const alternatives = [
    ["waapi-wasm-esbuild", "waapi-wasm.js", pkgWasm, "esbuild bundle of pkg/browser.js + the .wasm"],
    ["plain", "plain.js", NONE, "hand-written fetch wrapper, esbuild bundle"],
    ["openapi-fetch", "openapi-fetch.js", NONE, `openapi-fetch ${version("openapi-fetch")}, esbuild bundle`],
    ["ky", "ky.js", NONE, `ky ${version("ky")}, esbuild bundle`],
  ];
  for (const [name, entry, wasm, what] of alternatives) {
    const js = measure(await bundle(entry));
    result[name] = { ...sum(wasm, js), wasm, js };
    describe[name] = what;
  }

  const rows = [["build", "wasm raw / gzip / brotli (B)", "JS raw / gzip / brotli (B)", "total gzip (B)", "total brotli (B)", "what"]];
  const triple = (m) => (m.raw ? `${int(m.raw)} / ${int(m.gzip)} / ${int(m.brotli)}` : "–");
  for (const [name, r] of Object.entries(result)) {
    rows.push([name, triple(r.wasm), triple(r.js), int(r.gzip), int(r.brotli), describe[name]]);
  }
  table(
    `1. Size: what each build ships, and the same job (list instances) in plain JS, openapi-fetch and ky (esbuild ${esbuild.version} --bundle --minify, esm, browser)`,
    rows,
  );
  return { sizes: result, describe };
}

function version(name) {
  return JSON.parse(readFileSync(`${root}node_modules/${name}/package.json`, "utf8")).version;
}

if (import.meta.url === `file://${process.argv[1]}`) await sizes();
