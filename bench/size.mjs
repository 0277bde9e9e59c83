// Size: what each shipped build ships (wasm + JS glue) and, for the same job (list instances with
// the bearer and JSON headers), a hand-written fetch wrapper, openapi-fetch and ky, and waapi-wasm
// itself, each bundled and minified by esbuild. raw / gzip -9 / brotli -q 11 bytes; a separate
// wasm and the JS are compressed apart, as a server sends them. The package's entries are measured
// by tests/size.mjs (what `make test` holds to its budget), the wasm inside the JS where it is.
import { readFileSync, readdirSync } from "node:fs";
import * as esbuild from "esbuild";
import { compressed as measure, shipped } from "../tests/size.mjs";
import { root, table, int } from "./lib.mjs";

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
  const edgeWasm = measure(files(["worker/build/waapi_edge_bg.wasm"]));
  const result = {};
  const describe = {};
  // Each entry of the package as it ships (tests/size.mjs), under the names results.json keeps:
  // node, browser, workerd, web, and index_cjs, web_cjs for the CommonJS ones.
  for (const [file, s] of Object.entries(shipped())) {
    const name = file.replace(/\.js$/, "").replace(".", "_");
    result[name] = { ...s.total, wasm: s.wasm ?? NONE, js: s.js };
    const loads = [...(s.wasmFile ? [s.wasmFile] : []), ...s.jsFiles];
    describe[name] = `${s.wasmFile ? "the .wasm beside it" : "the wasm inside the JS"}: ${loads.join(" + ")}`;
  }
  const worker = ["worker/build/waapi_edge.js", ...snippets("worker/build"), "worker/src/index.js", "worker/src/events.js"];
  const workerJs = measure(files(worker));
  result.worker = { ...sum(edgeWasm, workerJs), wasm: edgeWasm, js: workerJs };
  describe.worker = `unbundled: wasm + ${worker.join(" + ")}`;
  // The whole-API build: the largest package build as shipped (every action in it).
  const whole = Object.entries(result).filter(([n]) => n !== "worker").sort((a, b) => b[1].gzip - a[1].gzip)[0];
  result.whole_api = { ...whole[1], build: whole[0] };
  describe.whole_api = `the largest package build (${whole[0]}), every client action in it`;
  const alternatives = [
    ["waapi-wasm-esbuild", "waapi-wasm.js", NONE, "esbuild bundle of pkg/browser.js, the wasm inside it"],
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
