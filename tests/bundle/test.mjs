// The npm tarball bundled by Vite and run in real Chromium: packed, installed into a temp app,
// imported by name with no init call, built with `vite build`, served from 127.0.0.1 and loaded
// with playwright-core against the live fake (cross-origin, so CORS is exercised too).
// Run through tests/with-fakes.sh (make test-bundle). Prints timings, sizes and `N passed, N failed`.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { gzipSync } from "node:zlib";

const root = fileURLToPath(new URL("../..", import.meta.url));
const FAKE = process.env.FAKE_LIVE_URL;
const ADMIN = process.env.FAKE_ADMIN_TOKEN;
if (!FAKE || !ADMIN) {
  console.error("run through tests/with-fakes.sh (make test-bundle)");
  process.exit(2);
}
// The repo's own tools, by absolute path: the temp app has only waapi-wasm installed.
const vite = await import(pathToFileURL(join(root, "node_modules/vite/dist/node/index.js")));
const { chromium } = await import(pathToFileURL(join(root, "node_modules/playwright-core/index.mjs")));
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const started = performance.now();
const secs = (since) => ((performance.now() - since) / 1000).toFixed(2);
const timings = {};
const results = { passed: 0, failed: 0 };
let dir; // temp dir: tarball, app, dist, browser profile and tmp files
let server; // the static server for dist/
let browser;

const check = async (name, fn) => {
  try {
    await fn();
    results.passed++;
    console.log(`ok   ${name}`);
  } catch (e) {
    results.failed++;
    console.log(`FAIL ${name}\n     ${String(e?.stack ?? e).split("\n").join("\n     ")}`);
  }
};

/** Pids of the processes named chromium (to see ours gone; others' are left alone). */
const chromiumPids = () =>
  readdirSync("/proc").filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "chromium";
    } catch {
      return false;
    }
  });
let chromiumBefore = new Set();

let cleaning;
const cleanup = () =>
  (cleaning ??= (async () => {
    if (browser) {
      await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
      // Chromium's helpers outlive the browser for a moment (orphaned, then reaped by pid 1):
      // wait, bounded, until none of the processes that appeared with our launch is left.
      for (let i = 0; i < 50 && chromiumPids().some((p) => !chromiumBefore.has(p)); i++) {
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  })());
for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"]) {
  process.on(sig, () => cleanup().finally(() => process.exit(130)));
}

const control = async (method, path, body) => {
  const res = await fetch(FAKE + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
};

const INDEX_HTML = `<!doctype html>
<html>
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>waapi-wasm bundle test</title></head>
  <body>
    <pre id="out"></pre>
    <script type="module" src="/main.js"></script>
  </body>
</html>
`;

// As the README shows: import by name, no init call. The API base and token come in the query
// string, so the token is not baked into the bundle.
const MAIN_JS = `import { WaapiClient } from "waapi-wasm";

const out = document.getElementById("out");
const query = new URLSearchParams(location.search);
try {
  const waapi = new WaapiClient(query.get("token"), { baseUrl: query.get("base") });
  out.textContent = JSON.stringify(await waapi.listInstances());
  out.dataset.state = "ok";
} catch (e) {
  out.textContent = JSON.stringify({ name: e.name, kind: e.kind, status: e.status, message: e.message });
  out.dataset.state = "error";
}
`;

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** Serves dir on a free 127.0.0.1 port; records what it served. */
const serve = (dist, served) =>
  new Promise((resolve, reject) => {
    const srv = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const file = normalize(join(dist, path === "/" ? "index.html" : path));
      let ok = file.startsWith(dist + sep);
      try {
        ok &&= statSync(file).isFile();
      } catch {
        ok = false;
      }
      if (!ok) {
        served.push({ path, status: 404 });
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      const type = TYPES[extname(file)] ?? "application/octet-stream";
      served.push({ path, status: 200, type });
      res.writeHead(200, { "content-type": type, "cache-control": "no-store" });
      createReadStream(file).pipe(res);
    });
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => resolve(srv));
  });

async function main() {
  dir = mkdtempSync(join(tmpdir(), "waapi-wasm-bundle-"));
  const app = join(dir, "app");
  for (const d of [app, join(dir, "home"), join(dir, "tmp")]) mkdirSync(d);
  process.env.TMPDIR = join(dir, "tmp"); // Playwright's profile dir and Vite's temp files land here

  // 1. The tarball, installed as a user would.
  let t = performance.now();
  execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", dir, "--silent"], { stdio: "pipe" });
  const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")));
  timings.pack = secs(t);
  writeFileSync(
    join(app, "package.json"),
    JSON.stringify({ name: "waapi-app", private: true, type: "module", dependencies: { "waapi-wasm": `file:${tgz}` } }, null, 2),
  );
  t = performance.now();
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error"], { cwd: app, stdio: "pipe" });
  timings.install = secs(t);

  // 2. The app, built by Vite with no config file and no plugin.
  writeFileSync(join(app, "index.html"), INDEX_HTML);
  writeFileSync(join(app, "main.js"), MAIN_JS);
  const dist = join(app, "dist");
  t = performance.now();
  const built = await vite.build({
    root: app,
    configFile: false,
    envDir: false,
    logLevel: "warn",
    cacheDir: join(dir, "vite-cache"),
    build: { outDir: dist, emptyOutDir: true },
  });
  timings.viteBuild = secs(t);
  const files = [built].flat().flatMap((o) => o.output);
  const sizes = files.map((f) => {
    const bytes = Buffer.from(f.type === "chunk" ? f.code : f.source);
    return { name: f.fileName, raw: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  console.log(`vite ${vite.version} build in ${timings.viteBuild} s:`);
  for (const s of sizes) console.log(`  ${s.name.padEnd(40)} ${String(s.raw).padStart(8)} B raw ${String(s.gzip).padStart(8)} B gzip -9`);

  await check("vite emitted the .wasm as a separate asset and one JS entry", () => {
    const wasm = sizes.filter((s) => s.name.endsWith(".wasm"));
    assert.equal(wasm.length, 1, `one .wasm asset, got ${JSON.stringify(sizes.map((s) => s.name))}`);
    const pkgWasm = statSync(join(root, "pkg", "waapi_wasm_bg.wasm")).size;
    assert.equal(wasm[0].raw, pkgWasm, "the emitted wasm is the package's wasm, byte for byte in size");
    assert.ok(sizes.some((s) => s.name.endsWith(".js")), "a JS chunk");
    const leaked = files.filter((f) => Buffer.from(f.type === "chunk" ? f.code : f.source).includes(ADMIN));
    assert.deepEqual(leaked.map((f) => f.fileName), [], "the token is not baked into the bundle");
  });

  // 3. Serve dist/ and open it in Chromium.
  const served = [];
  server = await serve(dist, served);
  const origin = `http://127.0.0.1:${server.address().port}`;
  await control("POST", "/__fake/reset");

  t = performance.now();
  chromiumBefore = new Set(chromiumPids());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "home", ".config"), XDG_CACHE_HOME: join(dir, "home", ".cache") },
    timeout: 30_000,
  });
  timings.launch = secs(t);
  const page = await browser.newPage();
  const problems = []; // console errors, page errors, failed requests
  const consoleLog = [];
  page.on("console", (m) => {
    consoleLog.push(`${m.type()}: ${m.text()}`);
    if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
    // wasm-bindgen's glue warns and falls back when the wasm is not served as application/wasm.
    if (m.type() === "warning" && /wasm/i.test(m.text())) problems.push(`console.warn: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));

  t = performance.now();
  const url = `${origin}/?${new URLSearchParams({ base: `${FAKE}/api/v1`, token: ADMIN })}`;
  await page.goto(url, { waitUntil: "load", timeout: 30_000 });
  await page.waitForSelector("#out[data-state]", { timeout: 30_000 }).catch((e) => {
    throw new Error(`#out never filled: ${e.message}\nproblems: ${JSON.stringify(problems)}\nconsole: ${JSON.stringify(consoleLog)}`);
  });
  timings.page = secs(t);
  const state = await page.getAttribute("#out", "data-state");
  const text = await page.textContent("#out");

  await check("the page listed the three seeded instances", () => {
    assert.equal(state, "ok", text);
    const instances = JSON.parse(text);
    assert.deepEqual(instances.map((i) => i.id), [1, 2, 3]);
    assert.deepEqual(instances.map((i) => i.name), ["Support", "Sales", "Marketing"]);
    assert.equal(instances[1].is_trial, true);
  });

  await check("no console error, page error or failed request", () => {
    assert.deepEqual(problems, []);
  });

  await check("the bundled .wasm was fetched from our server as application/wasm", () => {
    const wasm = served.filter((s) => s.path.endsWith(".wasm"));
    assert.equal(wasm.length, 1, JSON.stringify(served));
    assert.equal(wasm[0].status, 200);
    assert.equal(wasm[0].type, "application/wasm");
    assert.deepEqual(served.filter((s) => s.status !== 200), [], "every request the page made was served");
  });

  await check("the fake saw a cross-origin GET with the page's origin, after a CORS preflight", async () => {
    const log = await control("GET", "/__fake/requests");
    const gets = log.filter((r) => r.method === "GET" && r.path === "/api/v1/instances");
    assert.equal(gets.length, 1, JSON.stringify(log));
    assert.equal(gets[0].headers.origin, origin);
    assert.equal(gets[0].headers.authorization, `Bearer ${ADMIN}`);
    const preflight = log.find((r) => r.method === "OPTIONS" && r.path === "/api/v1/instances");
    assert.ok(preflight, `a preflight OPTIONS, saw ${JSON.stringify(log.map((r) => `${r.method} ${r.path}`))}`);
    assert.equal(preflight.headers.origin, origin);
    assert.match(preflight.headers["access-control-request-headers"] ?? "", /authorization/i);
  });
}

try {
  await main();
} catch (e) {
  results.failed++;
  console.log(`FAIL setup\n     ${String(e?.stack ?? e).split("\n").join("\n     ")}`);
} finally {
  await cleanup();
}
timings.total = secs(started);
console.log(
  `timings: npm pack ${timings.pack ?? "-"} s, npm install ${timings.install ?? "-"} s, vite build ${timings.viteBuild ?? "-"} s, ` +
    `chromium launch ${timings.launch ?? "-"} s, page to #out ${timings.page ?? "-"} s, total ${timings.total} s`,
);
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
