// What each entry of pkg/ ships, raw / gzip -9 / brotli -q 11 bytes: for the entries that load the
// separate .wasm (workerd, web), the wasm and the JS (compressed apart, as a server sends them);
// for those with the wasm inside the JS (node, browser, the CommonJS builds), the JS alone,
// compressed as one file (as a bundle ships it). Run, it prints them; with --budget N it fails when
// any entry's total exceeds N gzip bytes. bench/size.mjs reports the same figures (`shipped`).
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const pkg = new URL("../pkg/", import.meta.url);

/** `bytes` raw, gzip -9 and brotli -q 11. */
export const compressed = (bytes) => ({
  raw: bytes.length,
  gzip: gzipSync(bytes, { level: 9 }).length,
  brotli: brotliCompressSync(bytes, {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
  }).length,
});
const measure = (files) => compressed(Buffer.concat(files.map((f) => readFileSync(new URL(f, pkg)))));

/** Each entry of pkg/: `wasm` (of the .wasm it fetches or imports, `wasmFile`, or null), `js` (of
 * the JS files it loads, `jsFiles`) and `total`, each raw, gzip and brotli. */
export function shipped() {
  // wasm-bindgen's inline JS snippets are part of the glue every ES module entry loads.
  const snippets = readdirSync(new URL("snippets/", pkg), { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .map((f) => `snippets/${f}`);
  const esm = (entry, ...more) => ["waapi_wasm.js", ...snippets, "actions.js", ...more, entry];
  // entry → [the .wasm it fetches or imports, or none; the JS files it loads]
  const entries = {
    "node.js": [null, esm("node.js", "waapi_wasm_inline.js")],
    "browser.js": [null, esm("browser.js", "waapi_wasm_inline.js")],
    "index.cjs": [null, ["index.cjs"]],
    "web.cjs": [null, ["index.cjs", "web.cjs"]],
    "workerd.js": ["waapi_wasm_bg.wasm", esm("workerd.js")],
    "web.js": ["waapi_wasm_bg.wasm", esm("web.js")],
  };
  const out = {};
  for (const [name, [wasmFile, jsFiles]] of Object.entries(entries)) {
    const wasm = wasmFile ? measure([wasmFile]) : null;
    const js = measure(jsFiles);
    const total = { raw: 0, gzip: 0, brotli: 0 };
    for (const m of [wasm, js]) if (m) for (const k in total) total[k] += m[k];
    out[name] = { wasm, js, total, wasmFile, jsFiles };
  }
  return out;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const budgetAt = process.argv.indexOf("--budget");
  const budget = budgetAt > 0 ? Number(process.argv[budgetAt + 1]) : undefined;
  const rows = [["entry", "part", "raw", "gzip", "brotli"]];
  const over = [];
  for (const [name, { wasm, js, total, jsFiles }] of Object.entries(shipped())) {
    const parts = [[`js (${jsFiles.map((f) => f.replace(/.*\//, "")).join(" + ")})`, js]];
    if (wasm) parts.unshift(["wasm", wasm]);
    parts.forEach(([label, m], i) => rows.push([i ? "" : name, label, m.raw, m.gzip, m.brotli]));
    if (parts.length > 1) rows.push(["", "total", total.raw, total.gzip, total.brotli]);
    if (budget !== undefined && total.gzip > budget) over.push(`${name}: ${total.gzip} > ${budget}`);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  for (const r of rows) {
    console.log(r.map((v, c) => (c < 2 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join("  "));
  }
  if (budget !== undefined) {
    if (over.length) {
      console.error(`size budget exceeded (gzip, all an entry ships): ${over.join("; ")}`);
      process.exit(1);
    }
    console.log(`size budget ok: every entry ships within ${budget} gzip bytes`);
  }
}
