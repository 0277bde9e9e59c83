// Prints what each build of pkg/ ships (wasm + JS glue), raw / gzip -9 / brotli -q 11 bytes.
// With --budget N, fails when the wasm plus glue of any build exceeds N gzip bytes.
import { readFileSync, readdirSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";

const pkg = new URL("../pkg/", import.meta.url);
const budgetAt = process.argv.indexOf("--budget");
const budget = budgetAt > 0 ? Number(process.argv[budgetAt + 1]) : undefined;

const measure = (files) => {
  const bytes = Buffer.concat(files.map((f) => readFileSync(new URL(f, pkg))));
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
};

const wasm = measure(["waapi_wasm_bg.wasm"]);
// wasm-bindgen's inline JS snippets are part of the glue every build loads.
const snippets = readdirSync(new URL("snippets/", pkg), { recursive: true })
  .filter((f) => f.endsWith(".js"))
  .map((f) => `snippets/${f}`);
const builds = { node: "node.js", workerd: "workerd.js", browser: "browser.js", web: "web.js" };
const rows = [["build", "part", "raw", "gzip", "brotli"]];
let over = [];
for (const [name, entry] of Object.entries(builds)) {
  const glueFiles = ["waapi_wasm.js", ...snippets, "actions.js", entry];
  const glue = measure(glueFiles);
  // Compressed separately, as a server sends them.
  const total = { raw: wasm.raw + glue.raw, gzip: wasm.gzip + glue.gzip, brotli: wasm.brotli + glue.brotli };
  rows.push([name, "wasm", wasm.raw, wasm.gzip, wasm.brotli]);
  rows.push(["", `glue (${glueFiles.map((f) => f.replace(/.*\//, "")).join(" + ")})`, glue.raw, glue.gzip, glue.brotli]);
  rows.push(["", "total", total.raw, total.gzip, total.brotli]);
  if (budget !== undefined && total.gzip > budget) over.push(`${name}: ${total.gzip} > ${budget}`);
}
const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
for (const r of rows) {
  console.log(r.map((v, c) => (c < 2 ? String(v).padEnd(widths[c]) : String(v).padStart(widths[c]))).join("  "));
}
if (budget !== undefined) {
  if (over.length) {
    console.error(`size budget exceeded (gzip, wasm + glue): ${over.join("; ")}`);
    process.exit(1);
  }
  console.log(`size budget ok: every build's wasm + glue is within ${budget} gzip bytes`);
}
