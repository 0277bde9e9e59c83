// `make soak`: the edge in `workerd serve` under steady load against the release fake, watching
// workerd's memory for growth. 32 connections (autocannon), two phases of SOAK_SECONDS each
// (default 60, each after 15 s of the same load not sampled): the instance list, then a mix of
// the list, get-chats, send-message (a read,update key) and webhook posts to the edge's
// receiver. Then the list phase against the plain JS forwarding worker of `make bench`
// (bench/plain-worker/), for comparison.
// Every 5 s it samples workerd's RSS (VmRSS of /proc/<pid>/status). The wasm memory is not
// sampled: it lives inside workerd's isolate and no route or binding exposes it.
// Prints the samples, each phase's slope over its second half (least squares, MiB/min) and
// every non-2xx answer; exits 1 on a failed request, a non-2xx or an edge slope above
// SLOPE_BOUND. The plain worker's slope is printed, not judged: it is the reference.
import { spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import autocannon from "autocannon";
import { newEdgeKey } from "../worker/edge-key.mjs";
import { root, startFake, freePort, sleep, table, fixed, int } from "./lib.mjs";

const SECONDS = Number(process.env.SOAK_SECONDS ?? 60);
if (!(SECONDS >= 10)) throw new Error("SOAK_SECONDS must be a number, at least 10");
const SAMPLE_MS = 5000;
const CONNECTIONS = 32;
// MiB/min over a phase's second half. In steady state the heap only moves between GCs (a few
// MiB/min at most, see the README); a leak of 64 bytes per request at ~3 000 req/s is ~11 MiB/min.
const SLOPE_BOUND = 8;
// Load before each phase's samples start, not judged: a fresh isolate's heap climbs while it
// warms up (on 2 busy cores that took more than half of a 60 s phase without it).
const WARMUP_SECONDS = 15;

const dir = `${root}.tmp/soak-${process.pid}`;
const stops = [];
let stopping = false;
async function stopAll() {
  stopping = true;
  for (const stop of stops.splice(0).reverse()) await stop();
  rmSync(dir, { recursive: true, force: true });
}
for (const sig of ["SIGINT", "SIGTERM"]) {
  process.on(sig, async () => {
    if (stopping) return;
    console.error(`\n${sig}: stopping what the soak started`);
    await stopAll();
    process.exit(130);
  });
}

/** The edge's modules (wasm-bindgen snippets included) or the plain worker, copied beside the configs. */
function modules(kind) {
  if (kind === "plain") {
    copyFileSync(`${root}bench/plain-worker/index.js`, `${dir}/plain.js`);
    return [`(name = "index.js", esModule = embed "plain.js")`];
  }
  const files = ["src/index.js", "src/events.js", "build/waapi_edge.js", "build/waapi_edge_bg.wasm",
    ...readdirSync(`${root}worker/build/snippets`, { recursive: true }).filter((f) => f.endsWith(".js")).map((f) => `build/snippets/${f}`)];
  return files.map((f) => {
    mkdirSync(dirname(`${dir}/edge/${f}`), { recursive: true });
    copyFileSync(`${root}worker/${f}`, `${dir}/edge/${f}`);
    return f.endsWith(".wasm") ? `(name = "${f}", wasm = embed "edge/${f}")` : `(name = "${f}", esModule = embed "edge/${f}")`;
  });
}

/** `workerd serve` on a free port with a generated config (the edge's with its Durable Objects on disk); ready at its first 200. */
async function startWorkerd(kind, vars, key) {
  const port = await freePort();
  const text = (o) => Object.entries(o).map(([k, v]) => `(name = ${JSON.stringify(k)}, text = ${JSON.stringify(v)})`);
  const edge = kind === "edge";
  if (edge) mkdirSync(`${dir}/do`, { recursive: true });
  writeFileSync(`${dir}/${kind}.capnp`, `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [
    (name = "main", worker = .worker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
    ${edge ? `(name = "do-disk", disk = (path = "${dir}/do", writable = true)),` : ""}
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);
const worker :Workerd.Worker = (
  modules = [${modules(kind).join(", ")}],
  compatibilityDate = "2026-04-01",
  bindings = [${[...text(vars), ...(edge ? [`(name = "EVENTS", durableObjectNamespace = "InstanceEvents")`] : [])].join(", ")}],
  ${edge ? `durableObjectNamespaces = [(className = "InstanceEvents", uniqueKey = "waapi-soak-events", enableSql = true)],
  durableObjectStorage = (localDisk = "do-disk"),` : ""}
  globalOutbound = "internet",
);
`);
  const child = spawn(`${root}node_modules/workerd/bin/workerd`, ["serve", `${kind}.capnp`], {
    cwd: dir, detached: true, stdio: ["ignore", "ignore", "pipe"],
  });
  let log = "";
  child.stderr.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));
  const stop = async () => {
    if (exited) return;
    try { process.kill(-child.pid, "SIGTERM"); } catch {}
    for (let i = 0; i < 50 && !exited; i++) await sleep(50);
    if (!exited) try { process.kill(-child.pid, "SIGKILL"); } catch {}
  };
  stops.push(stop);
  const url = `http://127.0.0.1:${port}`;
  for (const t0 = Date.now(); ; await sleep(50)) {
    if (exited) throw new Error(`workerd (${kind}) exited:\n${log}`);
    if (Date.now() - t0 > 30_000) throw new Error(`workerd (${kind}) did not answer in 30 s:\n${log}`);
    const res = await fetch(`${url}/api/v1/instances`, { headers: { authorization: `Bearer ${key}` } }).catch(() => null);
    if (!res) continue;
    if (res.status === 200) break;
    throw new Error(`workerd (${kind}) answered ${res.status}: ${await res.text()}`);
  }
  // workerd is the child itself (a native binary), one process.
  return { url, pid: child.pid, stop, log: () => log };
}

const rssMiB = (pid) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(/VmRSS:\s+(\d+)/)[1]) / 1024;

/** Least-squares slope of (seconds, MiB) points, in MiB/min. */
function slope(points) {
  const n = points.length;
  const mx = points.reduce((s, [x]) => s + x, 0) / n, my = points.reduce((s, [, y]) => s + y, 0) / n;
  const sxy = points.reduce((s, [x, y]) => s + (x - mx) * (y - my), 0), sxx = points.reduce((s, [x]) => s + (x - mx) ** 2, 0);
  return (sxy / sxx) * 60;
}

const load = (worker, requests, duration, onResponse = () => {}) =>
  new Promise((resolve, reject) => {
    const run = autocannon({ url: worker.url, connections: CONNECTIONS, duration, requests }, (err, r) => (err ? reject(err) : resolve(r)));
    run.on("response", onResponse);
  });
const non2xx = (r) => Object.entries(r.statusCodeStats ?? {}).filter(([code]) => !code.startsWith("2")).map(([code, s]) => [code, s.count]);

/**
 * One phase: WARMUP_SECONDS of the same load first (its failures still count), then autocannon
 * for SECONDS with RSS every 5 s (t = 0 is the end of the warm-up).
 */
async function phase(worker, requests, fake) {
  const warm = await load(worker, requests, WARMUP_SECONDS);
  await fake.clearLog().catch(() => {});
  const samples = [[0, rssMiB(worker.pid)]];
  let counted = 0;
  const timer = setInterval(() => {
    samples.push([(samples.length * SAMPLE_MS) / 1000, rssMiB(worker.pid)]);
    fake.clearLog().catch(() => {}); // the fake logs every request; keep its log small
  }, SAMPLE_MS);
  const result = await load(worker, requests, SECONDS, () => counted++).finally(() => clearInterval(timer));
  const second = samples.filter(([t]) => t >= SECONDS / 2);
  return {
    samples,
    slope: second.length >= 2 ? slope(second) : NaN,
    rps: result.requests.average,
    total: counted,
    errors: result.errors + result.timeouts + warm.errors + warm.timeouts,
    non2xx: [...non2xx(warm), ...non2xx(result)],
  };
}

const fake = await startFake();
stops.push(() => fake.stop());
let failed = false;
try {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const { key, entry } = newEdgeKey("read,update");
  const secret = `soak-${crypto.randomUUID().replaceAll("-", "")}`;
  const auth = { authorization: `Bearer ${key}`, "content-type": "application/json" };
  const list = [{ method: "GET", path: "/api/v1/instances", headers: auth }];
  const mix = [
    ...list,
    { method: "POST", path: "/api/v1/instances/1/client/action/get-chats", headers: auth, body: "{}" },
    { method: "POST", path: "/api/v1/instances/1/client/action/send-message", headers: auth,
      body: JSON.stringify({ chatId: "4915112345678@c.us", message: "soak" }) },
    { method: "POST", path: `/webhooks/waapi/${secret}`, headers: { "content-type": "application/json" },
      body: JSON.stringify({ event: "message", instanceId: 1, data: { message: { body: "soak" } } }) },
  ];
  const base = { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry };
  console.log(`soak: ${CONNECTIONS} connections, ${SECONDS} s per phase, workerd RSS every ${SAMPLE_MS / 1000} s; release fake-waapi; bound on the edge's slope: ${SLOPE_BOUND} MiB/min`);
  console.log("wasm memory: not sampled (inside workerd's isolate; no route or binding exposes it), RSS only");

  const runs = [];
  const edge = await startWorkerd("edge", { ...base, CACHE_TTL_MS: "0", WEBHOOK_SECRET: secret, ALLOWED_ORIGINS: "", CONNECT_SRC: "" }, key);
  for (const [name, requests] of [["edge: list", list], ["edge: mix", mix]]) {
    console.log(`running ${name} ...`);
    runs.push({ name, judged: true, ...(await phase(edge, requests, fake)) });
  }
  await edge.stop();
  const plain = await startWorkerd("plain", base, key);
  console.log("running plain JS worker: list ...");
  runs.push({ name: "plain JS worker: list", judged: false, ...(await phase(plain, list, fake)) });
  await plain.stop();

  const times = runs[0].samples.map(([t]) => t);
  table(`workerd RSS (MiB), sampled every ${SAMPLE_MS / 1000} s under load`, [
    ["t (s)", ...runs.map((r) => r.name)],
    ...times.map((t, i) => [String(t), ...runs.map((r) => (r.samples[i] ? fixed(r.samples[i][1], 1) : ""))]),
  ]);
  table(`Per phase (slope: least squares over t ≥ ${SECONDS / 2} s; bound ${SLOPE_BOUND} MiB/min on the edge)`, [
    ["phase", "req/s", "requests", "slope (MiB/min)", "errors", "non-2xx", "verdict"],
    ...runs.map((r) => {
      const bad = [];
      if (r.errors) bad.push(`${r.errors} errors`);
      if (r.non2xx.length) bad.push("non-2xx");
      if (r.judged && !(r.slope <= SLOPE_BOUND)) bad.push("slope above bound");
      if (bad.length) failed = true;
      return [r.name, int(r.rps), int(r.total), fixed(r.slope, 1), int(r.errors),
        r.non2xx.map(([c, n]) => `${c} × ${n}`).join(", ") || "none", bad.join("; ") || (r.judged ? "ok" : "reference")];
    }),
  ]);
} catch (e) {
  console.error(e.stack ?? String(e));
  failed = true;
} finally {
  await stopAll();
}
process.exit(failed ? 1 : 0);
