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
};
// Memory grows in 64 KiB pages; "none beyond noise" = not one page more.
const PAGE = 65536;
const targets = [
  ["call overhead, sequential", ratios.call_overhead_sequential, "≤ 1.10", verdict(ratios.call_overhead_sequential, 1.1, true)],
  ["call overhead, concurrent (64)", ratios.call_overhead_concurrent, "≤ 1.10", verdict(ratios.call_overhead_concurrent, 1.1, true)],
  ["call overhead, sendMessage sequential", ratios.call_overhead_send_message, "≤ 1.10", verdict(ratios.call_overhead_send_message, 1.1, true)],
  ["call overhead, sendMessage concurrent (64)", ratios.call_overhead_send_message_concurrent, "≤ 1.10", verdict(ratios.call_overhead_send_message_concurrent, 1.1, true)],
  ["decode, 10 000 instances", ratios.decode_10000, "≤ 1.50", verdict(ratios.decode_10000, 1.5, true)],
  ["edge throughput (req/s)", ratios.edge_throughput, "≥ 0.90", verdict(ratios.edge_throughput, 0.9, false)],
];
table("Summary: waapi-wasm / plain JS", [
  ["figure", "ratio", "target", "verdict"],
  ...targets.map(([a, r, t, v]) => [a, fixed(r), t, v]),
  ["memory growth, 1 000 → 100 000 calls", `${int(memory.growth_bytes)} B`, "none (< one 64 KiB page)", memory.growth_bytes < PAGE ? "met" : `missed by ${int(memory.growth_bytes)} B`],
]);

const why = {
  "call overhead, sequential":
    `part of it is the per-attempt timeout the client must have: against plain JS with the same AbortController timer the ratio is ${fixed(ratios.call_overhead_sequential_vs_timeout)} sequential and ${fixed(ratios.call_overhead_concurrent_vs_timeout)} concurrent; the rest is the client's own CPU, ~12 µs per call with a stub fetch (wasm-bindgen-futures promise hops, the crate's parse and re-serialise, a second JSON.parse) and the GC it adds under load. Closing it: normalise the parsed answer in place instead of re-serialising it for JSON.parse, and fewer promise hops per call`,
  "decode, 10 000 instances":
    "the crate's decode is ~3.3× JSON.parse with a stub fetch (copy into wasm, parse, re-serialise, JSON.parse again); closing it: one JSON.parse normalised in place instead of the round trip",
  "edge throughput (req/s)":
    "measured apart: the upstream call's timeout costs ~0.06 of the ratio, parsing and re-serialising the body ~0.2 (the REENCODE row); settings are parsed once per isolate and each Response is built in one JS call, which lifted the cached path but not this ratio; the remaining ~0.15 is not located, as workerd has no profiler reachable here (suspects: the upstream body read whole and copied into wasm and back, async hops through wasm-bindgen-futures). Closing it: pass the validated upstream bytes through instead of re-serialising them",
};
why["call overhead, concurrent (64)"] = why["call overhead, sequential"];
why["call overhead, sendMessage sequential"] = why["call overhead, sequential"];
why["call overhead, sendMessage concurrent (64)"] = why["call overhead, sequential"];
const notes = [];
for (const [a, , t, v] of targets) if (v !== "met") notes.push(`${a}: ${v} (target ${t}); ${why[a]}.`);
if (!notes.length) notes.push("Every target met.");
else notes.push("Details and profiles: bench/README.md, \"Diagnosis\".");
if (ratios.decode_10000 <= 1.5 && ratios.decode_10000 > 1.45) {
  notes.push(`decode, 10 000 instances: met with ${fixed(ratios.decode_10000)}, within noise of the 1.50 target (runs land on either side).`);
}

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
