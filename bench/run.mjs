// `make bench`: prints the benchmark's tables and writes bench/results.json.
// Sections: 1 size, 2 call overhead (Node), 3 decode (Node), 4 edge (workerd), 5 memory.
// Ratios are waapi-wasm / plain JS: times (lower is better) for overhead and decode,
// requests per second (higher is better) for the edge. No timing is a test: this only reports.
import { execFileSync, execSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { sizes } from "./size.mjs";
import { nodeBench } from "./node.mjs";
import { edgeBench } from "./edge.mjs";
import { root, startFake, table, fixed, int, verdict } from "./lib.mjs";

const quick = process.argv.includes("--quick");
const t0 = Date.now();
const cpu = (readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.*)$/m) ?? [])[1] ?? os.cpus()[0]?.model;
const machine = {
  nproc: Number(execSync("nproc").toString().trim()),
  cpu,
  memory_gib: Math.round(os.totalmem() / 2 ** 30),
  os: `${os.type()} ${os.release()}`,
  node: process.version,
  workerd: execFileSync(`${root}node_modules/workerd/bin/workerd`, ["--version"]).toString().trim(),
};
const commit = execSync("git rev-parse --short HEAD", { cwd: root }).toString().trim();
console.log(`machine: ${machine.nproc} cores, ${machine.cpu}, ${machine.memory_gib} GiB, ${machine.os}, node ${machine.node}, ${machine.workerd}; commit ${commit}${quick ? " (QUICK run: fewer samples)" : ""}`);

const { sizes: size, describe } = await sizes();

const fake = await startFake();
let node, edge, memory;
try {
  node = await nodeBench(fake, { quick });

  // 5. Memory, in a fresh process.
  await fake.reset();
  memory = JSON.parse(execFileSync(process.execPath, [`${root}bench/memory.mjs`, fake.api, fake.token]).toString());
  table("5. Memory: wasm linear memory (WebAssembly.Memory byteLength), fresh process, calls 64 in flight", [
    ["point", "bytes", "growth (B)"],
    ["after instantiation", int(memory.start_bytes), ""],
    ["after 1 000 listInstances()", int(memory.after_1000_bytes), ""],
    ["after 100 000 listInstances()", int(memory.after_100000_bytes), int(memory.growth_bytes)],
    ["after 10 000 more clients, each created, used once and freed", int(memory.after_10000_clients_bytes), int(memory.clients_growth_bytes)],
  ]);

  edge = await edgeBench(fake, { quick });
} finally {
  await fake.stop();
}

const ratios = {
  call_overhead_sequential: node.overhead.sequential.ratio,
  call_overhead_concurrent: node.overhead.concurrent.ratio,
  call_overhead_send_message: node.send.sequential.ratio,
  call_overhead_send_message_concurrent: node.send.concurrent.ratio,
  // Against plain JS with the same per-attempt AbortController timeout (alternatives/plain-timeout.js).
  call_overhead_sequential_vs_timeout: node.overhead.sequential.ratio_vs_timeout,
  call_overhead_concurrent_vs_timeout: node.overhead.concurrent.ratio_vs_timeout,
  decode_10: node.decode[10].ratio,
  decode_1000: node.decode[1000].ratio,
  decode_10000: node.decode[10000].ratio,
  edge_throughput: edge.ratio,
  edge_cold_start: edge.cold_start.edge_ms / edge.cold_start.plain_ms,
  // The same figure under the issue's name.
  cold_start: edge.cold_start.edge_ms / edge.cold_start.plain_ms,
  // workerd's CPU (all threads) from spawn to the first 200, edge / plain: the same start,
  // resolved to the nanosecond; and the plain worker with the edge's modules loaded, / plain.
  cold_start_cpu: edge.cold_start.edge_cpu_ms / edge.cold_start.plain_cpu_ms,
  cold_start_modules_loaded: edge.cold_start.loaded_ms / edge.cold_start.plain_ms,
  edge_p99: edge.p99_ratio,
  // workerd's CPU time per request, plain / edge (higher is better, like the throughput ratio);
  // far less moved by other load on the machine than req/s.
  edge_cpu: edge.cpu_ratio,
  ky_call_overhead: node.overhead.sequential.ky_ratio,
  ky_call_overhead_concurrent: node.overhead.concurrent.ky_ratio,
  openapi_fetch_call_overhead: node.overhead.sequential.openapi_fetch_ratio,
  openapi_fetch_call_overhead_concurrent: node.overhead.concurrent.openapi_fetch_ratio,
};
// Memory grows in 64 KiB pages; "none beyond noise" = not one page more.
const PAGE = 65536;
const targets = [
  ["call overhead, sequential", ratios.call_overhead_sequential, "≤ 1.10", verdict(ratios.call_overhead_sequential, 1.1, true)],
  ["call overhead, concurrent (64)", ratios.call_overhead_concurrent, "≤ 1.10", verdict(ratios.call_overhead_concurrent, 1.1, true)],
  ["call overhead, sendMessage sequential", ratios.call_overhead_send_message, "≤ 1.10", verdict(ratios.call_overhead_send_message, 1.1, true)],
  ["call overhead, sendMessage concurrent (64)", ratios.call_overhead_send_message_concurrent, "≤ 1.10", verdict(ratios.call_overhead_send_message_concurrent, 1.1, true)],
  ["call overhead below ky's (sequential)", ratios.call_overhead_sequential, `< ${fixed(ratios.ky_call_overhead)}`,
    verdict(ratios.call_overhead_sequential, ratios.ky_call_overhead, true)],
  ["call overhead below openapi-fetch's (sequential)", ratios.call_overhead_sequential, `< ${fixed(ratios.openapi_fetch_call_overhead)}`,
    verdict(ratios.call_overhead_sequential, ratios.openapi_fetch_call_overhead, true)],
  ["decode, 10 instances", ratios.decode_10, "≤ 1.20", verdict(ratios.decode_10, 1.2, true)],
  ["decode, 1 000 instances", ratios.decode_1000, "≤ 1.20", verdict(ratios.decode_1000, 1.2, true)],
  ["decode, 10 000 instances", ratios.decode_10000, "≤ 1.20", verdict(ratios.decode_10000, 1.2, true)],
  ["edge throughput (req/s)", ratios.edge_throughput, "≥ 0.90", verdict(ratios.edge_throughput, 0.9, false)],
  ["edge p99 latency", ratios.edge_p99, "≤ 1.20", verdict(ratios.edge_p99, 1.2, true)],
  ["edge cold start", ratios.cold_start, "≤ 1.20", verdict(ratios.cold_start, 1.2, true)],
];
// The whole-API build (every action), gzip: KB here are 1000 bytes, as the issue counts them.
const wholeKb = size.whole_api.gzip / 1000;
table("Summary: waapi-wasm / plain JS", [
  ["figure", "ratio", "target", "verdict"],
  ...targets.map(([a, r, t, v]) => [a, fixed(r), t, v]),
  ["memory growth, 1 000 → 100 000 calls", `${int(memory.growth_bytes)} B`, "none (< one 64 KiB page)", memory.growth_bytes < PAGE ? "met" : `missed by ${int(memory.growth_bytes)} B`],
  [`whole-API build (${size.whole_api.build}: wasm + JS, gzip)`, `${fixed(wholeKb, 1)} KB`, "≤ 40 KB", verdict(wholeKb, 40, true)],
]);

const why = {
  "call overhead, sequential":
    `what is left is the per-attempt timeout the client must have: against plain JS with the same AbortController timer the ratio is ${fixed(ratios.call_overhead_sequential_vs_timeout)} sequential and ${fixed(ratios.call_overhead_concurrent_vs_timeout)} concurrent, and that timer alone makes plain JS ${fixed(node.overhead.sequential.plain_timeout_median_us / node.overhead.sequential.plain_median_us)}× / ${fixed(node.overhead.concurrent.plain_timeout_median_us / node.overhead.concurrent.plain_median_us)}× of itself without one. A call's attempts run in JS (src/call.js) and a usual answer never enters the wasm; with a stub fetch a 3-instance list costs ~47 µs of CPU against ~43 for plain JS with the same timeout and ~34 without one, and Node 20's AbortController (makeTransferable, createAbortSignal) is ~24 % of the client's samples`,
  "decode, 10 000 instances":
    "a usual list is read with one JSON.parse and normalised in JS (src/call.js, readInstances): what is left is its per-instance checks and normalisation (id, name, owner, is_trial, the events), which the service's quirks call for; with a stub fetch 1 000 instances take ~1.15 ms against ~1.0 for JSON.parse and a map",
  "edge throughput (req/s)":
    `most of it is reading the body at all: the plain worker streams WaAPI's body through unread, while the edge must read it (bounded) and check it before answering; against the plain worker that reads the body whole (the READ row) the edge's ratio is ${fixed(edge.throughput.edge.rps / edge.throughput.read.rps)} (CPU ${fixed(edge.throughput.edge.cpu_us_per_request / edge.throughput.read.cpu_us_per_request)}×). The list's bytes go out as WaAPI sent them once checked, on a lane without the async handler; the rest, per bench/profile-edge.mjs: crossing into wasm and back, the crate's decode of each instance, the key's SHA-256, building the Response in JS; the CPU µs/request column is moved far less by other load than req/s`,
  "edge p99 latency":
    "the same costs as the throughput: with 32 connections on 2 shared cores, p99 is queueing behind the slower per-request work",
  "edge cold start":
    `the plain worker with the edge's modules loaded (its wasm instantiated, its glue, the Durable Object class) and nothing run is already at ${fixed(ratios.cold_start_modules_loaded)} (CPU ${fixed(edge.cold_start.loaded_cpu_ms / edge.cold_start.plain_cpu_ms)}×; a plain worker with an empty wasm module starts within the noise of the plain one); the rest is the first request, whose lazy compilation of the ~200 wasm functions it touches takes ~3–5 ms in Node on this machine (compiling all of the edge's wasm eagerly costs more at load than it saves); closing it: less wasm code on the list's path`,
};
why["decode, 10 instances"] = why["decode, 10 000 instances"];
why["decode, 1 000 instances"] = why["decode, 10 000 instances"];
why["call overhead below ky's (sequential)"] = why["call overhead, sequential"];
why["call overhead below openapi-fetch's (sequential)"] = why["call overhead, sequential"];
why["call overhead, concurrent (64)"] = why["call overhead, sequential"];
why["call overhead, sendMessage sequential"] = why["call overhead, sequential"];
why["call overhead, sendMessage concurrent (64)"] = why["call overhead, sequential"];
const notes = [];
for (const [a, , t, v] of targets) if (v !== "met") notes.push(`${a}: ${v} (target ${t}); ${why[a] ?? "see bench/README.md"}.`);
if (wholeKb > 40) notes.push(`whole-API build: ${fixed(wholeKb, 1)} KB gzip, over the 40 KB target (bench/README.md says where the bytes go).`);
notes.push("Run on a machine shared with other builds (2 cores): single figures move a lot between runs; the ratios compare contenders measured interleaved in the same run.");
{
  const [two, one] = [edge.throughput.plain2, edge.throughput.plain];
  const again = node.overhead;
  notes.push(`The call overhead's resolution in this run: the same plain JS as a second contender landed at ${fixed(again.sequential.plain_again_ratio)}× (sequential) and ${fixed(again.concurrent.plain_again_ratio)}× (64 in flight) of itself.`);
  notes.push(`The edge's resolution in this run: the same plain worker in a second workerd process ran at ${fixed(two.rps / one.rps)}× the first's req/s and ${fixed(two.cpu_us_per_request / one.cpu_us_per_request)}× its CPU per request; an edge ratio closer than that to another is within the noise.`);
}
if (!notes.length) notes.push("Every target met.");
else notes.push("Details and profiles: bench/README.md, \"Diagnosis\".");

const seconds = (Date.now() - t0) / 1000;
const results = {
  generated: new Date().toISOString(),
  commit,
  quick,
  machine,
  run_seconds: Math.round(seconds),
  ratios,
  notes,
  targets: Object.fromEntries(targets.map(([a, r, t, v]) => [a, { ratio: r, target: t, verdict: v }])),
  size,
  size_notes: describe,
  call_overhead: node.overhead,
  send_message_overhead: node.send,
  decode: node.decode,
  edge,
  memory,
};
writeFileSync(`${root}bench/results.json`, JSON.stringify(results, null, 2) + "\n");
console.log(`\nClosing note:\n${notes.map((n) => `- ${n}`).join("\n")}`);
console.log(`wrote bench/results.json; the run took ${fixed(seconds, 0)} s`);
