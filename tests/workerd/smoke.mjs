// The npm tarball inside a Cloudflare Worker: packed, installed into a temp worker project,
// imported by name with no init call, run by `wrangler dev` (workerd) against the live fake.
// Run through tests/with-fakes.sh (make test-workerd). Prints timings and `N passed, N failed`.
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("../..", import.meta.url));
const FAKE = process.env.FAKE_LIVE_URL;
const ADMIN = process.env.FAKE_ADMIN_TOKEN;
if (!FAKE || !ADMIN) {
  console.error("run through tests/with-fakes.sh (make test-workerd)");
  process.exit(2);
}

const started = performance.now();
const secs = (since) => ((performance.now() - since) / 1000).toFixed(2);
const timings = {};
const results = { passed: 0, failed: 0 };
let dir; // temp dir: tarball, worker project, wrangler's config and tmp files
let wrangler; // the child; its pid is also its process group id (detached)
let output = ""; // wrangler's stdout + stderr, shown when something fails

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

const freePort = () =>
  new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });

const portOpen = (port) =>
  new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const killGroup = (signal) => {
  try {
    process.kill(-wrangler.pid, signal);
    return true;
  } catch {
    return false; // ESRCH: the group is gone
  }
};

/** Stops wrangler and everything it started (workerd) by signalling the whole process group. */
const stopWrangler = async () => {
  if (!wrangler) return;
  const exited = wrangler.exitCode !== null || wrangler.signalCode !== null
    ? Promise.resolve()
    : new Promise((r) => wrangler.once("exit", r));
  killGroup("SIGTERM");
  await Promise.race([exited, sleep(5000)]);
  // workerd may outlive the leader; a group with no members left answers ESRCH.
  for (let i = 0; i < 50 && killGroup(0); i++) {
    if (i === 10) killGroup("SIGKILL");
    await sleep(100);
  }
  if (killGroup(0)) killGroup("SIGKILL");
};

let cleaning;
const cleanup = () =>
  (cleaning ??= (async () => {
    await stopWrangler();
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

const WORKER = `import { WaapiClient, isWaapiError } from "waapi-wasm";

export default {
  async fetch(request, env) {
    if (request.method !== "GET") return new Response("method not allowed", { status: 405 });
    const { pathname } = new URL(request.url);
    const waapi = new WaapiClient(env.WAAPI_TOKEN, { baseUrl: env.WAAPI_BASE_URL });
    try {
      if (pathname === "/instances") return Response.json(await waapi.listInstances());
      const m = pathname.match(/^\\/instances\\/(\\d+)$/);
      if (m) return Response.json(await waapi.getInstance(Number(m[1])));
      return new Response("not found", { status: 404 });
    } catch (e) {
      if (!isWaapiError(e)) throw e;
      return Response.json(
        { kind: e.kind, status: e.status, message: e.message, isWaapiError: isWaapiError(e), name: e.name },
        { status: 502 },
      );
    }
  },
};
`;

async function main() {
  dir = mkdtempSync(join(tmpdir(), "waapi-wasm-workerd-"));
  const project = join(dir, "worker");
  mkdirSync(join(project, "src"), { recursive: true });
  mkdirSync(join(dir, "config"));
  mkdirSync(join(dir, "tmp"));

  // 1. The tarball, installed as a user would.
  let t = performance.now();
  execFileSync("npm", ["pack", join(root, "pkg"), "--pack-destination", dir, "--silent"], { stdio: "pipe" });
  const tgz = join(dir, readdirSync(dir).find((f) => f.endsWith(".tgz")));
  timings.pack = secs(t);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "waapi-worker", private: true, type: "module", dependencies: { "waapi-wasm": `file:${tgz}` } }, null, 2),
  );
  t = performance.now();
  execFileSync("npm", ["install", "--no-audit", "--no-fund", "--offline", "--loglevel=error"], { cwd: project, stdio: "pipe" });
  timings.install = secs(t);

  // 2. The worker.
  writeFileSync(join(project, "src", "index.js"), WORKER);
  writeFileSync(
    join(project, "wrangler.toml"),
    'name = "waapi-wasm-smoke"\nmain = "src/index.js"\ncompatibility_date = "2026-04-01"\n',
  );

  // 3. wrangler dev, in its own process group.
  const port = await freePort();
  t = performance.now();
  wrangler = spawn(
    join(root, "node_modules", ".bin", "wrangler"),
    [
      "dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false",
      "--var", `WAAPI_TOKEN:${ADMIN}`, "--var", `WAAPI_BASE_URL:${FAKE}/api/v1`,
    ],
    {
      cwd: project,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...process.env,
        WRANGLER_SEND_METRICS: "false",
        WRANGLER_SEND_ERROR_REPORTS: "false",
        CLOUDFLARE_CF_FETCH_ENABLED: "false",
        XDG_CONFIG_HOME: join(dir, "config"),
        TMPDIR: join(dir, "tmp"),
        NO_COLOR: "1",
        CI: "1",
      },
    },
  );
  wrangler.stdout.on("data", (d) => (output += d));
  wrangler.stderr.on("data", (d) => (output += d));
  const base = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (wrangler.exitCode !== null || wrangler.signalCode !== null) {
      throw new Error(`wrangler dev exited (${wrangler.exitCode ?? wrangler.signalCode}) before answering:\n${output}`);
    }
    try {
      // Ready when the worker itself answers (its 404 for unknown paths), not just wrangler's proxy.
      const res = await fetch(`${base}/ready`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 404 && (await res.text()) === "not found") break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`the worker did not answer on ${base} within 60 s; wrangler said:\n${output}`);
    await sleep(100);
  }
  timings.wranglerReady = secs(t);
  console.log(`wrangler dev answering on ${base} after ${timings.wranglerReady} s`);

  await control("POST", "/__fake/reset");

  await check("GET /instances lists the three seeded instances through the worker", async () => {
    const res = await fetch(`${base}/instances`);
    const text = await res.text();
    assert.equal(res.status, 200, text);
    assert.match(res.headers.get("content-type"), /^application\/json/);
    const instances = JSON.parse(text);
    assert.deepEqual(instances.map((i) => i.id), [1, 2, 3]);
    assert.deepEqual(instances.map((i) => i.name), ["Support", "Sales", "Marketing"]);
    assert.equal(instances.find((i) => i.id === 2).is_trial, true);
    for (const key of ["id", "name", "owner", "webhook_url", "webhook_events", "is_trial"]) {
      assert.ok(key in instances[0], `instance has ${key}`);
    }
    assert.ok(!text.includes(ADMIN), "the token leaked into the response body");
  });

  await check("the fake saw the worker's request with the bearer token, JSON headers and User-Agent", async () => {
    const seen = (await control("GET", "/__fake/requests")).filter(
      (r) => r.method === "GET" && r.path === "/api/v1/instances",
    );
    assert.equal(seen.length, 1, `one GET /api/v1/instances, saw ${JSON.stringify(seen)}`);
    const h = seen[0].headers;
    assert.equal(h.authorization, `Bearer ${ADMIN}`);
    assert.equal(h.accept, "application/json");
    assert.equal(h["content-type"], "application/json");
    // workerd lets a script set User-Agent (browsers do not; there the package leaves it out).
    const { version } = JSON.parse(readFileSync(join(root, "pkg", "package.json"), "utf8"));
    assert.equal(h["user-agent"], `waapi-wasm/${version}`);
  });

  await check("GET /instances/999 → 502 carrying the WaapiError (not_found, 404)", async () => {
    const res = await fetch(`${base}/instances/999`);
    const text = await res.text();
    assert.equal(res.status, 502, text);
    const body = JSON.parse(text);
    assert.equal(body.kind, "not_found");
    assert.equal(body.status, 404);
    assert.equal(body.isWaapiError, true);
    assert.equal(body.name, "WaapiError");
    assert.equal(typeof body.message, "string");
    assert.ok(body.message.length > 0);
    assert.ok(!text.includes(ADMIN), "the token leaked into the error body");
  });

  await check("wrangler stops with its process group and frees the port", async () => {
    await stopWrangler();
    let open = true;
    for (let i = 0; i < 30 && (open = await portOpen(port)); i++) await sleep(100);
    assert.equal(open, false, `port ${port} still accepts connections after stopping wrangler`);
  });
}

let crashed = false;
try {
  await main();
} catch (e) {
  crashed = true;
  results.failed++;
  console.log(`FAIL setup\n     ${String(e?.stack ?? e).split("\n").join("\n     ")}`);
} finally {
  await cleanup();
}
if (results.failed && !crashed && output) console.log(`--- wrangler output ---\n${output.trimEnd()}\n---`);
timings.total = secs(started);
console.log(
  `timings: npm pack ${timings.pack ?? "-"} s, npm install ${timings.install ?? "-"} s, ` +
    `wrangler ready ${timings.wranglerReady ?? "-"} s, total ${timings.total} s`,
);
console.log(`${results.passed} passed, ${results.failed} failed`);
process.exit(results.failed ? 1 : 0);
