// 4. Edge: GET /api/v1/instances through the Rust edge handler (worker/) in workerd against a
// plain JS worker that forwards the same request to the fake (bench/plain-worker/index.js).
// Both run in `workerd serve` from the npm workerd package (wrangler's own binary) with a
// generated config: the same compatibility date, loopback outbound allowed, no wrangler proxy.
// Load: autocannon, 32 connections, rounds interleaved; cold start: spawn → first 200. Beside
// req/s and latency, workerd's own CPU time per request (from /proc), which other load on a
// shared machine moves far less. NO_DO=1 leaves the edge's Durable Object namespace out of its
// config (to see what it costs at start). `node bench/edge.mjs --quick` runs this section alone.
import { execFileSync, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import autocannon from "autocannon";
import { startEdge } from "../worker/dev.mjs";
import { newEdgeKey } from "../worker/edge-key.mjs";
import { root, freePort, median, table, fixed, int, verdict, sleep } from "./lib.mjs";

const WORKERD = `${root}node_modules/workerd/bin/workerd`;
const COMPAT = "2026-04-01";

/** wasm-bindgen's inline JS snippets of the edge build, relative to worker/build/. */
const snippets = () =>
  readdirSync(`${root}worker/build/snippets`, { recursive: true })
    .filter((f) => f.endsWith(".js"))
    .map((f) => `snippets/${f}`);

function capnp(kind, port, vars) {
  const modules =
    kind === "plain"
      ? `(name = "index.js", esModule = embed "plain/index.js")`
      : [
          `(name = "src/index.js", esModule = embed "edge/src/${kind === "loaded" ? "loaded" : "index"}.js")`,
          `(name = "src/events.js", esModule = embed "edge/src/events.js")`,
          `(name = "build/waapi_edge.js", esModule = embed "edge/build/waapi_edge.js")`,
          `(name = "build/waapi_edge_bg.wasm", wasm = embed "edge/build/waapi_edge_bg.wasm")`,
          ...snippets().map((f) => `(name = "build/${f}", esModule = embed "edge/build/${f}")`),
        ].join(",\n      ");
  const bindings = Object.entries(vars)
    .map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`)
    .concat(kind !== "plain" && !process.env.NO_DO ? [`(name = "EVENTS", durableObjectNamespace = "InstanceEvents")`] : [])
    .join(",\n      ");
  // The edge exports its Durable Object class (webhook events); the list route never uses it.
  const objects = kind !== "plain" && !process.env.NO_DO
    ? `durableObjectNamespaces = [(className = "InstanceEvents", uniqueKey = "waapi-bench-events", enableSql = true)],
  durableObjectStorage = (inMemory = void),`
    : "";
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [
      ${modules}
  ],
  compatibilityDate = "${COMPAT}",
  bindings = [
      ${bindings}
  ],
  ${objects}
  globalOutbound = "internet",
);
`;
}

/** Copies the worker sources next to the generated configs (embed paths are relative). Kind
 * `loaded` is the edge's modules (its wasm instantiated by `initSync`, its glue, the Durable
 * Object class) under the plain worker's `fetch`: what the edge pays at start before its first
 * request runs any of its code. */
export function prepare(dir) {
  rmSync(dir, { recursive: true, force: true });
  for (const d of ["plain", "edge/src", "edge/build"]) mkdirSync(`${dir}/${d}`, { recursive: true });
  copyFileSync(`${root}bench/plain-worker/index.js`, `${dir}/plain/index.js`);
  for (const f of ["index.js", "events.js"]) copyFileSync(`${root}worker/src/${f}`, `${dir}/edge/src/${f}`);
  writeFileSync(`${dir}/edge/src/loaded.js`, `import wasmModule from "../build/waapi_edge_bg.wasm";
import { initSync } from "../build/waapi_edge.js";
initSync({ module: wasmModule });
export { InstanceEvents } from "./events.js";
${readFileSync(`${root}bench/plain-worker/index.js`, "utf8")}`);
  for (const f of ["waapi_edge.js", "waapi_edge_bg.wasm", ...snippets()]) {
    mkdirSync(dirname(`${dir}/edge/build/${f}`), { recursive: true });
    copyFileSync(`${root}worker/build/${f}`, `${dir}/edge/build/${f}`);
  }
}

/** Spawns `workerd serve` and resolves once GET /api/v1/instances answers 200; `coldMs` is spawn → that answer,
 * `coldCpuMs` the CPU time workerd's threads had used by then. */
export async function startWorkerd(dir, name, kind, vars, key, args = []) {
  const port = await freePort();
  const file = `${dir}/${name}.capnp`;
  writeFileSync(file, capnp(kind, port, vars));
  const url = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = spawn(WORKERD, ["serve", file, ...args], { cwd: dir, detached: true, stdio: ["ignore", "ignore", "pipe"] });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited) return;
    try {
      process.kill(-child.pid, "SIGTERM");
    } catch {}
    for (let i = 0; i < 50 && !exited; i++) await sleep(50);
    if (!exited) try { process.kill(-child.pid, "SIGKILL"); } catch {}
  };
  for (;;) {
    if (exited) throw new Error(`workerd (${name}) exited:\n${log}`);
    if (performance.now() - t0 > 30_000) {
      await stop();
      throw new Error(`workerd (${name}) did not answer in 30 s:\n${log}`);
    }
    try {
      const res = await fetch(`${url}/api/v1/instances`, { headers: { authorization: `Bearer ${key}` } });
      const text = await res.text();
      if (res.status === 200) {
        const coldMs = performance.now() - t0;
        return { url, stop, coldMs, coldCpuMs: threadsCpuMs(child.pid), body: text, log: () => log, cpuMs: () => cpuMs(child.pid) };
      }
      throw new Error(`workerd (${name}) answered ${res.status}: ${text}`);
    } catch (e) {
      if (!/fetch failed/.test(e.message)) {
        await stop();
        throw e;
      }
    }
    await sleep(2);
  }
}

/** The plain worker under `wrangler dev`, like worker/dev.mjs runs the edge; ready at its first 401. */
async function wranglerPlain(port, baseUrl, token, edgeKeys) {
  const dir = `${root}.tmp/bench-plain-${port}`;
  mkdirSync(`${dir}/tmp`, { recursive: true });
  const envFile = `${dir}/secrets.env`;
  writeFileSync(envFile, `WAAPI_TOKEN=${token}\nEDGE_KEYS=${edgeKeys}\n`, { mode: 0o600 });
  const t0 = Date.now();
  const child = spawn(`${root}node_modules/.bin/wrangler`, ["dev", "--ip", "127.0.0.1", "--port", String(port),
    "--show-interactive-dev-session=false", "--env-file", envFile, "--var", `WAAPI_BASE_URL:${baseUrl}`], {
    cwd: `${root}bench/plain-worker`, detached: true, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false", XDG_CONFIG_HOME: `${root}.tmp/config`, TMPDIR: `${dir}/tmp` },
  });
  let log = "";
  child.stdout.on("data", (d) => (log += d));
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (!exited) {
      try { process.kill(-child.pid, "SIGTERM"); } catch {}
      for (let i = 0; i < 50 && !exited; i++) await sleep(100);
      if (!exited) try { process.kill(-child.pid, "SIGKILL"); } catch {}
    }
    rmSync(dir, { recursive: true, force: true });
  };
  for (;;) {
    if (exited || Date.now() - t0 > 90_000) {
      await stop();
      throw new Error(`wrangler dev (plain worker) did not start:\n${log}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${port}/api/v1/instances`)).status === 401) break;
    } catch {}
    await sleep(100);
  }
  const readyMs = Date.now() - t0;
  await stop();
  return readyMs;
}

/** CPU time (user + system) the process has used so far, in ms: /proc/<pid>/stat fields 14 and 15, in clock ticks. */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").replace(/^.*\) /, "").split(" ");
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS;
}
const TICKS = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;

/** CPU time of every thread of the process so far, in ms, to the nanosecond: the first field of
 * /proc/<pid>/task/<tid>/schedstat. For the cold start, whose few ms clock ticks cannot resolve. */
function threadsCpuMs(pid) {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  return ns / 1e6;
}

function load(url, key, seconds) {
  return new Promise((resolve, reject) => {
    autocannon(
      { url: `${url}/api/v1/instances`, connections: 32, duration: seconds, headers: { authorization: `Bearer ${key}` } },
      (err, r) => (err ? reject(err) : resolve(r)),
    );
  });
}

export async function edgeBench(fake, { quick = false } = {}) {
  const dir = `${root}.tmp/bench-workerd`;
  prepare(dir);
  await fake.reset();
  const { key, entry } = newEdgeKey("read");
  const vars = (ttl) => ({ WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry, CACHE_TTL_MS: ttl,
    ALLOWED_ORIGINS: "", CONNECT_SRC: "" });
  const kinds = {
    edge: { label: "waapi-wasm edge (CACHE_TTL_MS 0)", kind: "edge", vars: vars("0") },
    plain: { label: "plain JS forwarding worker", kind: "plain", vars: { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry } },
    reencode: { label: "plain JS worker + JSON.parse/stringify (REENCODE 1), extra", kind: "plain",
      vars: { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry, REENCODE: "1" } },
    read: { label: "plain JS worker reading the body whole (READ 1), extra", kind: "plain",
      vars: { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry, READ: "1" } },
    cached: { label: "waapi-wasm edge, cache on (CACHE_TTL_MS 5000), extra", kind: "edge", vars: vars("5000") },
    // The same plain worker in a second workerd process: how far two processes running the same
    // code land apart in this run, the resolution of every ratio above.
    plain2: { label: "plain JS forwarding worker, a second process (the run's noise), extra", kind: "plain",
      vars: { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry } },
  };

  // Cold start: spawn `workerd serve` → first 200 (includes compiling the worker and, for the
  // edge, instantiating the wasm, then one upstream call), wall and workerd's CPU. Alternated,
  // 9 each; `loaded` (prepare, above) splits the edge's extra time into its modules' start and
  // its first request.
  const cold = { edge: [], plain: [], loaded: [] };
  const COLD = quick ? 3 : 9;
  const loaded = { kind: "loaded", vars: kinds.plain.vars };
  for (let i = 0; i < COLD; i++) {
    for (const k of i % 2 ? ["loaded", "plain", "edge"] : ["edge", "plain", "loaded"]) {
      const { kind, vars } = kinds[k] ?? loaded;
      const w = await startWorkerd(dir, `cold-${k}`, kind, vars, key);
      cold[k].push([w.coldMs, w.coldCpuMs]);
      await w.stop();
    }
  }
  const coldOf = (k, i) => median(cold[k].map((run) => run[i]));

  // Throughput and latency: all running; rounds in ABBA order, the extras after each pair.
  const running = {};
  for (const k of Object.keys(kinds)) running[k] = await startWorkerd(dir, k, kinds[k].kind, kinds[k].vars, key);
  try {
    const a = JSON.parse(running.edge.body), b = JSON.parse(running.plain.body);
    if (JSON.stringify(a.instances.map((i) => i.id)) !== JSON.stringify(b.instances.map((i) => i.id))) throw new Error("the workers disagree");
    const SECONDS = quick ? 2 : 5, ROUNDS = quick ? 1 : 3;
    for (const k of Object.keys(kinds)) await load(running[k].url, key, 1); // warm-up (JIT, connections)
    await fake.clearLog();
    const runs = Object.fromEntries(Object.keys(kinds).map((k) => [k, []]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const k of [...(r % 2 ? ["plain", "edge"] : ["edge", "plain"]), "read", "reencode", "cached", "plain2"]) {
        const cpu = running[k].cpuMs();
        const run = await load(running[k].url, key, SECONDS);
        run.cpuUsPerRequest = ((running[k].cpuMs() - cpu) * 1000) / run.requests.total;
        runs[k].push(run);
        await fake.clearLog();
      }
    }
    const summary = {};
    for (const [k, rs] of Object.entries(runs)) {
      const bad = rs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0);
      if (bad) throw new Error(`${k}: ${bad} failed requests under load`);
      summary[k] = {
        what: kinds[k].label,
        seconds: SECONDS * ROUNDS,
        requests: rs.reduce((n, r) => n + r.requests.total, 0),
        rps: median(rs.map((r) => r.requests.average)),
        p50_ms: median(rs.map((r) => r.latency.p50)),
        p99_ms: median(rs.map((r) => r.latency.p99)),
        cpu_us_per_request: median(rs.map((r) => r.cpuUsPerRequest)),
      };
    }
    // wrangler dev (bundling, its proxy, workerd) to the first answer, once each, for reference.
    let wrangler = null;
    if (!quick) {
      const port = await freePort();
      const edge = await startEdge({ port, baseUrl: fake.api, token: fake.token, edgeKeys: entry, vars: { CACHE_TTL_MS: "0" } });
      await edge.stop();
      wrangler = { edge_ms: edge.readyMs, plain_ms: await wranglerPlain(await freePort(), fake.api, fake.token, entry) };
    }
    const ratio = summary.edge.rps / summary.plain.rps;
    // p99 as edge / plain (target ≤ 1.2); CPU per request as plain / edge, so that like the
    // throughput ratio it is higher for a faster edge, and far less moved by other load.
    const p99 = summary.edge.p99_ms / Math.max(1, summary.plain.p99_ms);
    const cpu = summary.plain.cpu_us_per_request / summary.edge.cpu_us_per_request;
    const coldStart = { edge_ms: coldOf("edge", 0), plain_ms: coldOf("plain", 0), loaded_ms: coldOf("loaded", 0),
      edge_cpu_ms: coldOf("edge", 1), plain_cpu_ms: coldOf("plain", 1), loaded_cpu_ms: coldOf("loaded", 1),
      runs_each: COLD, wrangler_dev: wrangler };

    const rows = [["worker", "req/s", "p50 (ms)", "p99 (ms)", "workerd CPU (µs/request)", "requests"]];

    // autocannon records whole milliseconds: 0 means under 1 ms.
    const ms = (v) => (v === 0 ? "< 1" : fixed(v, 0));
    for (const s of Object.values(summary)) rows.push([s.what, int(s.rps), ms(s.p50_ms), ms(s.p99_ms), int(s.cpu_us_per_request), int(s.requests)]);
    rows.push([`ratio edge / plain (throughput; target ≥ 0.90: ${verdict(ratio, 0.9, false)})`, fixed(ratio), "", fixed(p99), fixed(cpu), ""]);
    table(
      `4. Edge: GET /api/v1/instances (3 instances) in workerd serve, autocannon 32 connections, ${ROUNDS} × ${SECONDS} s rounds interleaved, medians (extras run after each pair)`,
      rows,
    );
    const c = coldStart;
    const crow = [["cold start (ms, median of " + COLD + ")", "waapi-wasm edge", "plain JS worker", "ratio"],
      ["workerd serve: spawn → first 200 (one upstream call)", fixed(c.edge_ms, 0), fixed(c.plain_ms, 0), fixed(c.edge_ms / c.plain_ms)],
      ["… workerd's CPU (all threads) by then", fixed(c.edge_cpu_ms, 1), fixed(c.plain_cpu_ms, 1), fixed(c.edge_cpu_ms / c.plain_cpu_ms)],
      ["… the plain worker with the edge's modules loaded, wall / CPU", `${fixed(c.loaded_ms, 0)} / ${fixed(c.loaded_cpu_ms, 1)}`,
        "", `${fixed(c.loaded_ms / c.plain_ms)} / ${fixed(c.loaded_cpu_ms / c.plain_cpu_ms)}`]];
    if (wrangler) crow.push(["wrangler dev: spawn → first 401 (build, bundle, proxy; one run)", int(wrangler.edge_ms), int(wrangler.plain_ms),
      fixed(wrangler.edge_ms / wrangler.plain_ms)]);
    table("   Cold start", crow);
    return { throughput: summary, ratio, p99_ratio: p99, cpu_ratio: cpu, cold_start: coldStart };
  } finally {
    for (const w of Object.values(running)) await w.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startFake } = await import("./lib.mjs");
  const fake = await startFake();
  try {
    await edgeBench(fake, { quick: process.argv.includes("--quick") });
  } finally {
    await fake.stop();
  }
}
