// The files of pkg/ that `make pkg` derives from wasm-bindgen's output (run after it, from the repo root):
// - waapi_wasm_inline.js: the wasm as a JS string, so that an entry needs no .wasm file beside it
//   (esbuild emits none, a server bundle has none) and no top-level await (it compiles synchronously);
// - waapi_wasm.js and actions.js, generated code, minified in place (see below);
// - index.cjs: a CommonJS build of browser.js, for `require` on Node < 20.19, Jest and CJS bundles;
// - index.d.cts, web.d.cts, waapi_wasm.d.cts: CommonJS types for index.cjs and web.cjs (TypeScript wants
//   CJS types for a CJS file).
import assert from "node:assert/strict";
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { build, transformSync } from "esbuild";

const pkg = new URL("../pkg/", import.meta.url);

// wasm-bindgen names each import of the wasm `__wbg_<what>_<16 hex digits>` (the digits keep two
// crates' imports apart), under the module "./waapi_wasm_bg.js", and writes each name twice: in the
// wasm's import section and as a key of the glue's import object. Random digits do not compress:
// short names ("a", "b", …, module "w") in both places take 0.8 KB gzip off the wasm and 0.5 KB
// off the glue. Each name must be a key of the glue exactly once; `initSync` below links the two.
// The exports likewise (`waapiclient_listInstances`, `__wbindgen_malloc`, …, read by the glue as
// `wasm.<name>`): "xa", "xb", … in the wasm, the glue and InitOutput's type, 0.3 KB gzip. `memory`
// keeps its name, and so does an export the glue does not read.
const MODULE = "./waapi_wasm_bg.js";
{
  const bytes = readFileSync(new URL("waapi_wasm_bg.wasm", pkg));
  let glue = readFileSync(new URL("waapi_wasm.js", pkg), "utf8");
  let types = readFileSync(new URL("waapi_wasm.d.ts", pkg), "utf8");
  const leb = (at) => {
    let n = 0, shift = 0, b;
    do (b = bytes[at++]), (n += (b & 127) * 2 ** shift), (shift += 7);
    while (b & 128);
    return [n, at];
  };
  const uleb = (n) => {
    const out = [];
    do out.push((n & 127) | (n > 127 ? 128 : 0)), (n = Math.floor(n / 128));
    while (n);
    return out;
  };
  const name = (s) => [...uleb(Buffer.byteLength(s)), ...Buffer.from(s)];
  const short = (i) => (i < 26 ? "" : String.fromCharCode(97 + Math.floor(i / 26) - 1)) + String.fromCharCode(97 + (i % 26));
  const rekey = (from, to) => {
    const parts = glue.split(from);
    assert.equal(parts.length, 2, `${from} is a key of waapi_wasm.js once`);
    glue = parts.join(to);
  };
  const out = [...bytes.subarray(0, 8)];
  for (let at = 8; at < bytes.length; ) {
    const id = bytes[at];
    let [size, start] = leb(at + 1);
    const end = start + size;
    if (id === 7) {
      // The export section: count, then each export's name, kind and index.
      let [count, p] = leb(start), renamed = 0;
      const section = uleb(count);
      for (let i = 0; i < count; i++) {
        const [n, from] = leb(p);
        const field = bytes.subarray(from, from + n).toString();
        p = from + n;
        const desc = p;
        p = leb(p + 1)[1];
        let to = field;
        const uses = new RegExp(`\\bwasm\\.${field}\\b`, "g");
        // wasm-bindgen's own `__instance_terminated` and `__abort_handler`, which the glue does
        // not read, keep their names too.
        if (field !== "memory" && uses.test(glue)) {
          to = `x${short(renamed++)}`;
          glue = glue.replace(uses, `wasm.${to}`);
          const typed = `    readonly ${field}: `;
          assert.equal(types.split(typed).length, 2, `InitOutput types ${field} once`);
          types = types.replace(typed, `    readonly ${to}: `);
        }
        section.push(...name(to), ...bytes.subarray(desc, p));
      }
      assert.equal(p, end, "the export section is read to its end");
      out.push(7, ...uleb(section.length), ...section);
      at = end;
      continue;
    }
    if (id === 11) {
      // The data section: `make pkg` runs wasm-opt with --low-memory-unused, which assumes that
      // nothing lives in the lowest KB of memory. rustc links wasm32 with the stack first (1 MiB,
      // growing down to 0) and the data after it, so only the deepest KB of the stack is there:
      // hold the data to that.
      let [count, p] = leb(start);
      for (let i = 0; i < count; i++) {
        const flags = bytes[p++];
        if (flags !== 1) {
          if (flags === 2) p = leb(p)[1];
          assert.equal(bytes[p], 0x41, "a data segment's offset is an i32.const");
          const [offset, after] = leb(p + 1); // an sleb128: a non-negative one reads the same as unsigned
          assert.ok(offset >= 1024 && bytes[after] === 0x0b, "no data segment in the lowest KB of memory");
          p = after + 1;
        }
        const [n, from] = leb(p);
        p = from + n;
      }
      assert.equal(p, end, "the data section is read to its end");
    }
    if (id !== 2) {
      out.push(...bytes.subarray(at, end));
      at = end;
      continue;
    }
    // The import section: count, then each import's module, name, kind and description.
    let [count, p] = leb(start), renamed = 0;
    assert.ok(count <= 26 * 27, "every import gets a name of one or two letters");
    const section = uleb(count);
    for (let i = 0; i < count; i++) {
      const text = () => {
        const [n, from] = leb(p);
        p = from + n;
        return bytes.subarray(from, p).toString();
      };
      const module = text(), field = text(), kind = bytes[p++], desc = p;
      if (kind === 0) p = leb(p)[1]; // a function: its type
      else if (kind === 3) p += 2; // a global: type, mutability
      else {
        if (kind === 1) p++; // a table: its element type, then limits like a memory's
        const flags = bytes[p++];
        p = leb(p)[1];
        if (flags & 1) p = leb(p)[1];
      }
      if (module === MODULE) {
        const to = short(renamed++);
        rekey(`${field}: function`, `${to}: function`);
        section.push(...name("w"), ...name(to));
      } else section.push(...name(module), ...name(field));
      section.push(kind, ...bytes.subarray(desc, p));
    }
    assert.equal(p, end, "the import section is read to its end");
    out.push(2, ...uleb(section.length), ...section);
    at = end;
  }
  rekey(`"${MODULE}": import0`, "w: import0");
  writeFileSync(new URL("waapi_wasm_bg.wasm", pkg), Buffer.from(out));
  writeFileSync(new URL("waapi_wasm.js", pkg), glue);
  writeFileSync(new URL("waapi_wasm.d.ts", pkg), types);
}
const wasm = readFileSync(new URL("waapi_wasm_bg.wasm", pkg));
{
  const { initSync } = await import(pathToFileURL(new URL("waapi_wasm.js", pkg).pathname));
  initSync({ module: wasm }); // throws a LinkError if an import lacks its function
}

// Each byte becomes one or two printable ASCII characters: the 90 most frequent byte values one
// character each, the others "}" or "~" and one more. Unlike base64 this keeps the bytes'
// repetitions aligned, so gzip compresses the text about as well as the binary (base64 costs a
// third more gzip), and it decodes with a short loop, synchronously. No `"`, `\` or `<`, so the
// string needs no escape in a JS or HTML file and bundlers copy it as it is.
const ALPHABET = [];
for (let c = 32; c < 125; c++) if (c !== 34 && c !== 60 && c !== 92) ALPHABET.push(c);
assert.equal(ALPHABET.length, 90);
const counts = new Array(256).fill(0);
for (const b of wasm) counts[b]++;
const top = [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b).slice(0, 90);
const order = [...top, ...[...counts.keys()].filter((b) => !top.includes(b))]; // rank → byte
const code = [];
order.forEach((byte, rank) => {
  const chars = rank < 90 ? [ALPHABET[rank]] : [125 + Math.floor((rank - 90) / 90), ALPHABET[(rank - 90) % 90]];
  code[byte] = String.fromCharCode(...chars);
});
let text = "";
for (const b of wasm) text += code[b];

// The decoder below is the inverse of the loop above (kept short: every bundle ships it).
writeFileSync(
  new URL("waapi_wasm_inline.js", pkg),
  `// @generated by npm/build.mjs (\`make pkg\`): waapi_wasm_bg.wasm as text, one or two characters a byte.
const N = ${wasm.length};
const TOP = "${Buffer.from(top).toString("hex")}";
const TEXT = "${text}";

export default function wasmBytes() {
  const byte = [], rank = [], out = new Uint8Array(N);
  for (let i = 0; i < 180; i += 2) byte.push(parseInt(TOP.slice(i, i + 2), 16));
  for (let b = 0; b < 256; b++) if (!byte.includes(b)) byte.push(b);
  for (let c = 32, r = 0; c < 125; c++) if (c !== 34 && c !== 60 && c !== 92) rank[c] = r++;
  for (let i = 0, n = 0; n < N; n++) {
    const c = TEXT.charCodeAt(i++);
    out[n] = byte[c < 125 ? rank[c] : 90 * (c - 124) + rank[TEXT.charCodeAt(i++)]];
  }
  return out;
}
`,
);
const { default: wasmBytes } = await import(pathToFileURL(new URL("waapi_wasm_inline.js", pkg).pathname));
assert.ok(Buffer.from(wasmBytes()).equals(wasm), "waapi_wasm_inline.js decodes to waapi_wasm_bg.wasm");

// The generated glue (wasm-bindgen's waapi_wasm.js, the generator's actions.js) ships without its
// whitespace and comments: 1.4 KB less gzip in every entry (the size budget counts what an entry
// ships). actions.js keeps its names (the classes users print and the frames they see); the glue's
// and the crate's local names are shortened too (0.5 KB more): their frames were never readable
// on one minified line. The documentation is in the .d.ts files, and the readable sources are
// npm/actions.js, src/call.js and wasm-bindgen's output.
// The crate's JS (src/call.js, which wasm-bindgen copies to pkg/snippets/<crate>/src/) likewise.
const snippets = readdirSync(new URL("snippets/", pkg), { recursive: true })
  .filter((f) => f.endsWith(".js"))
  .map((f) => `snippets/${f}`);
for (const file of ["waapi_wasm.js", "actions.js", ...snippets]) {
  const url = new URL(file, pkg);
  const { code } = transformSync(readFileSync(url, "utf8"), {
    format: "esm",
    minifyWhitespace: true,
    minifySyntax: true,
    // Exports keep their names (the wasm imports them by name, the entries by theirs).
    minifyIdentifiers: file !== "actions.js",
    legalComments: "none",
    banner: `// @generated from ${file === "actions.js" ? "npm/actions.js" : file.startsWith("snippets/") ? file.replace(/^snippets\/[^/]+\//, "") : "wasm-bindgen"}, minified by npm/build.mjs`,
  });
  writeFileSync(url, code);
}

// The entries likewise, keeping their names: their comments are in npm/.
for (const file of ["node.js", "browser.js", "web.js", "workerd.js", "web.cjs"]) {
  const url = new URL(file, pkg);
  const { code } = transformSync(readFileSync(url, "utf8"), {
    minifyWhitespace: true,
    minifySyntax: true,
    legalComments: "none",
    banner: `// @generated from npm/${file}, minified by npm/build.mjs`,
  });
  writeFileSync(url, code);
}

// The CommonJS build: browser.js with everything it imports in one file. Platform node only adds
// the `0 && (module.exports = …)` hint from which Node's ESM loader reads the names; the code uses
// no Node API, so the file also runs under webpack's or Jest's require.
await build({
  entryPoints: [new URL("browser.js", pkg).pathname],
  outfile: new URL("index.cjs", pkg).pathname,
  bundle: true,
  format: "cjs",
  platform: "node",
  // Only wasm-bindgen's init(), which browser.js never calls, reads import.meta.url.
  define: { "import.meta.url": "undefined" },
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: "warning",
  banner: { js: "// @generated by npm/build.mjs at `make pkg`: browser.js and what it imports, as one CommonJS file." },
});

// The types of the CJS files: the same declarations, as CommonJS declaration files.
copyFileSync(new URL("waapi_wasm.d.ts", pkg), new URL("waapi_wasm.d.cts", pkg));
for (const [from, to] of [["index.d.ts", "index.d.cts"], ["web.d.ts", "web.d.cts"]]) {
  const src = readFileSync(new URL(from, pkg), "utf8");
  writeFileSync(new URL(to, pkg), src.replaceAll('"./waapi_wasm.js"', '"./waapi_wasm.cjs"').replaceAll('"./index.js"', '"./index.cjs"'));
}
