// A CPU profile of one worker in `workerd serve` under load: `node bench/profile-edge.mjs [edge|plain] [seconds]`.
// workerd's inspector (--inspector-addr) speaks the DevTools protocol; this takes a V8 profile of
// the worker's isolate while autocannon drives GET /api/v1/instances (32 connections), then
// prints the functions with the most self time and writes the profile to .tmp/ (open it in
// Chrome DevTools' Performance panel). With the inspector on, the worker runs slower: read the
// shares, not the req/s. No timing here is a test.
import { writeFileSync } from "node:fs";
import autocannon from "autocannon";
import WebSocket from "ws";
import { newEdgeKey } from "../worker/edge-key.mjs";
import { prepare, startWorkerd } from "./edge.mjs";
import { root, freePort, startFake, table, fixed, int } from "./lib.mjs";

const kind = process.argv[2] ?? "edge";
const seconds = Number(process.argv[3] ?? 4);
const dir = `${root}.tmp/bench-profile`;
prepare(dir);
const fake = await startFake();
const { key, entry } = newEdgeKey("read");
const vars = kind === "plain"
  ? { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry }
  : { WAAPI_BASE_URL: fake.api, WAAPI_TOKEN: fake.token, EDGE_KEYS: entry, CACHE_TTL_MS: "0", ALLOWED_ORIGINS: "", CONNECT_SRC: "" };
const inspector = await freePort();
const w = await startWorkerd(dir, `profile-${kind}`, kind, vars, key, [`--inspector-addr=127.0.0.1:${inspector}`]);
try {
  const targets = await (await fetch(`http://127.0.0.1:${inspector}/json/list`)).json();
  const target = targets.find((t) => t.id === "main" || /main/.test(t.webSocketDebuggerUrl)) ?? targets[0];
  const ws = new WebSocket(target.webSocketDebuggerUrl.replace("localhost", "127.0.0.1"));
  await new Promise((resolve, reject) => (ws.once("open", resolve), ws.once("error", reject)));
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const msg = JSON.parse(m);
    if (msg.id && pending.has(msg.id)) pending.get(msg.id)(msg), pending.delete(msg.id);
  });
  const send = (method, params = {}) =>
    new Promise((resolve) => {
      pending.set(++id, resolve);
      ws.send(JSON.stringify({ id, method, params }));
    });
  const load = (s) =>
    new Promise((resolve, reject) =>
      autocannon({ url: `${w.url}/api/v1/instances`, connections: 32, duration: s, headers: { authorization: `Bearer ${key}` } },
        (e, r) => (e ? reject(e) : resolve(r))));
  await load(1); // warm-up
  await fake.clearLog();
  await send("Profiler.enable");
  await send("Profiler.setSamplingInterval", { interval: 100 });
  await send("Profiler.start");
  const r = await load(seconds);
  const { result } = await send("Profiler.stop");
  ws.close();
  const profile = result.profile;
  const out = `${root}.tmp/edge-${kind}.cpuprofile`;
  writeFileSync(out, JSON.stringify(profile));
  // Self time per node from the samples; then summed per function name + url.
  const self = new Map();
  const dt = profile.timeDeltas;
  profile.samples.forEach((n, i) => self.set(n, (self.get(n) ?? 0) + (dt[i + 1] ?? 0)));
  const byFn = new Map();
  const byKind = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    const t = self.get(node.id) ?? 0;
    total += t;
    const f = node.callFrame;
    const name = `${f.functionName || "(anonymous)"} ${f.url ? f.url.replace(/^.*\//, "") : ""}${f.lineNumber >= 0 ? `:${f.lineNumber + 1}` : ""}`;
    byFn.set(name, (byFn.get(name) ?? 0) + t);
    const what = /^wasm-function/.test(f.functionName) ? "wasm" : /waapi_edge\.js$/.test(f.url) ? "wasm-bindgen glue"
      : /inline\d+\.js$/.test(f.url) ? "the edge's JS snippets" : f.url ? "worker JS" : /^\(/.test(f.functionName) ? f.functionName : "runtime (native)";
    byKind.set(what, (byKind.get(what) ?? 0) + t);
  }
  const rows = [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 30);
  table(`profile of the ${kind} worker: ${int(r.requests.average)} req/s with the inspector on, ${int(r.requests.total)} requests; self time`, [
    ["function", "ms", "%", "µs/request"],
    ...rows.map(([n, t]) => [n, fixed(t / 1000, 1), fixed((100 * t) / total, 1), fixed(t / r.requests.total, 1)]),
  ]);
  table("   by kind", [["kind", "ms", "%", "µs/request"],
    ...[...byKind].sort((a, b) => b[1] - a[1]).map(([n, t]) => [n, fixed(t / 1000, 1), fixed((100 * t) / total, 1), fixed(t / r.requests.total, 1)])]);
  console.log(`total sampled ${fixed(total / 1000, 0)} ms; wrote ${out}`);
} finally {
  await w.stop();
  await fake.stop();
}
