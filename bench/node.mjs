// 2. Call overhead and 3. decode, in Node, in one process: waapi-wasm (pkg/node.js) against a
// hand-written fetch + JSON.parse doing the same job (bench/alternatives/plain.js: the three
// headers, status check, JSON.parse, `status === "success"`, pick `instances`). The two are
// interleaved (ABBA order, round by round) after a warm-up of both; medians are reported.
import { performance } from "node:perf_hooks";
import { WaapiClient } from "../pkg/node.js";
import { listInstances as plainList, sendMessage as plainSend } from "./alternatives/plain.js";
import { listInstances as timedList } from "./alternatives/plain-timeout.js";
import { listInstances as kyList } from "./alternatives/ky.js";
import { listInstances as openapiList } from "./alternatives/openapi-fetch.js";
import { median, table, fixed, verdict, int } from "./lib.mjs";

const us = (ms) => ms * 1000;

async function sequential(fn, n, samples) {
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    samples.push(performance.now() - t);
  }
}

/** n calls with `inFlight` outstanding at any time; returns ms per call. */
async function concurrent(fn, n, inFlight) {
  let started = 0;
  const t = performance.now();
  const lane = async () => {
    while (started < n) {
      started++;
      await fn();
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  return (performance.now() - t) / n;
}

/** ABBA…: round r runs A then B when r is even, B then A when odd. */
const order = (r, a, b) => (r % 2 ? [b, a] : [a, b]);

export async function nodeBench(fake, { quick = false } = {}) {
  const client = new WaapiClient(fake.token, { baseUrl: fake.api });
  const contenders = {
    wasm: () => client.listInstances(),
    plain: () => plainList(fake.api, fake.token),
    timed: () => timedList(fake.api, fake.token),
    ky: () => kyList(fake.api, fake.token),
    openapi: () => openapiList(fake.api, fake.token),
    // The same plain JS again, as a contender of its own: how far one code lands from itself in
    // this run, the resolution of every ratio in the table.
    again: () => plainList(fake.api, fake.token),
  };
  const KINDS = Object.keys(contenders);
  /** Round r starts at a different contender each time: A B C, B C A, C A B, … */
  const rotate = (r) => KINDS.map((_, i) => KINDS[(i + r) % KINDS.length]);
  const scale = quick ? 0.2 : 1;
  await fake.reset();

  // Same answer from all, before timing anything.
  const a = await contenders.wasm();
  for (const k of KINDS) {
    const b = await contenders[k]();
    if (a.length !== b.length || a[0].id !== b[0].id || a[0].name !== b[0].name) throw new Error(`the contenders disagree (${k})`);
  }

  // ---- 2. call overhead ----
  const SEQ_ROUNDS = 20, SEQ_PER = Math.round(250 * scale);
  const CON_ROUNDS = 16, CON_PER = Math.round(2000 * scale), IN_FLIGHT = 64;
  for (const k of [...KINDS, ...KINDS]) {
    await sequential(contenders[k], 300, []);
    await concurrent(contenders[k], 1000, IN_FLIGHT);
  }
  await fake.clearLog();
  const seq = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let r = 0; r < SEQ_ROUNDS; r++) {
    for (const k of rotate(r)) await sequential(contenders[k], SEQ_PER, seq[k]);
    await fake.clearLog();
  }
  const con = Object.fromEntries(KINDS.map((k) => [k, []]));
  for (let r = 0; r < CON_ROUNDS; r++) {
    for (const k of rotate(r)) con[k].push(await concurrent(contenders[k], CON_PER, IN_FLIGHT));
    await fake.clearLog();
  }
  const overhead = {
    sequential: {
      calls_each: SEQ_ROUNDS * SEQ_PER,
      wasm_median_us: us(median(seq.wasm)),
      plain_median_us: us(median(seq.plain)),
      plain_timeout_median_us: us(median(seq.timed)),
      ky_median_us: us(median(seq.ky)),
      openapi_fetch_median_us: us(median(seq.openapi)),
      plain_again_median_us: us(median(seq.again)),
    },
    concurrent: {
      calls_each: CON_ROUNDS * CON_PER,
      in_flight: IN_FLIGHT,
      wasm_median_us: us(median(con.wasm)),
      plain_median_us: us(median(con.plain)),
      plain_timeout_median_us: us(median(con.timed)),
      ky_median_us: us(median(con.ky)),
      openapi_fetch_median_us: us(median(con.openapi)),
      plain_again_median_us: us(median(con.again)),
    },
  };
  for (const v of Object.values(overhead)) {
    v.ratio = v.wasm_median_us / v.plain_median_us;
    v.ratio_vs_timeout = v.wasm_median_us / v.plain_timeout_median_us;
    // The same ratio for the two libraries (each against the same plain fetch): waapi-wasm's
    // target is to be below both.
    v.ky_ratio = v.ky_median_us / v.plain_median_us;
    v.openapi_fetch_ratio = v.openapi_fetch_median_us / v.plain_median_us;
    v.plain_again_ratio = v.plain_again_median_us / v.plain_median_us;
  }
  table(
    `2. Call overhead in Node: listInstances() against fake-waapi (3 instances, no delay), interleaved ABBA, medians`,
    [
      ["mode", "calls each", "waapi-wasm (µs/call)", "fetch + JSON.parse (µs/call)", "ratio", "target ≤ 1.10",
        "… + timeout (µs/call)", "ratio", "ky (µs/call)", "ky ratio", "openapi-fetch (µs/call)", "openapi-fetch ratio"],
      ...[["sequential (median call latency)", overhead.sequential],
        [`concurrent, ${IN_FLIGHT} in flight (median over ${CON_ROUNDS} rounds of wall time / calls)`, overhead.concurrent]].map(([mode, v]) => [
        mode, int(v.calls_each), fixed(v.wasm_median_us, 1), fixed(v.plain_median_us, 1), fixed(v.ratio), verdict(v.ratio, 1.1, true),
        fixed(v.plain_timeout_median_us, 1), fixed(v.ratio_vs_timeout), fixed(v.ky_median_us, 1), fixed(v.ky_ratio),
        fixed(v.openapi_fetch_median_us, 1), fixed(v.openapi_fetch_ratio)]),
    ],
  );
  console.log("   every ratio: the contender / fetch + JSON.parse; the contenders take turns, each round starting at the next one");
  console.log(`   the same fetch + JSON.parse as a second contender (the run's noise): ${fixed(overhead.sequential.plain_again_ratio)} sequential, ${fixed(overhead.concurrent.plain_again_ratio)} concurrent`);

  // ---- 2b. call overhead of an action: sendMessage, sequential and 64 in flight ----
  const message = { chatId: "4915112345678@c.us", message: "Bench message" };
  const senders = {
    wasm: () => client.sendMessage(1, message),
    plain: () => plainSend(fake.api, fake.token, 1, message),
  };
  const [sa, sb] = [await senders.wasm(), await senders.plain()];
  if (sa._data?.body !== message.message || sb._data?.body !== message.message) throw new Error("the senders disagree");
  for (const k of ["wasm", "plain", "wasm", "plain"]) {
    await sequential(senders[k], 200, []);
    await concurrent(senders[k], 500, IN_FLIGHT);
  }
  // Each send is stored by the fake; a reset per round keeps its chat small for both.
  await fake.reset();
  const sendSeq = { wasm: [], plain: [] };
  const sendCon = { wasm: [], plain: [] };
  for (let r = 0; r < SEQ_ROUNDS; r++) {
    for (const k of order(r, "wasm", "plain")) await sequential(senders[k], SEQ_PER, sendSeq[k]);
    for (const k of order(r, "plain", "wasm")) sendCon[k].push(await concurrent(senders[k], Math.round(CON_PER / 4), IN_FLIGHT));
    await fake.reset();
  }
  const send = {
    sequential: { calls_each: SEQ_ROUNDS * SEQ_PER, wasm_median_us: us(median(sendSeq.wasm)), plain_median_us: us(median(sendSeq.plain)) },
    concurrent: {
      calls_each: SEQ_ROUNDS * Math.round(CON_PER / 4),
      in_flight: IN_FLIGHT,
      wasm_median_us: us(median(sendCon.wasm)),
      plain_median_us: us(median(sendCon.plain)),
    },
  };
  for (const v of Object.values(send)) v.ratio = v.wasm_median_us / v.plain_median_us;
  table(
    "2b. Call overhead in Node: sendMessage() against fake-waapi (POST, nested envelope), interleaved ABBA, medians",
    [
      ["mode", "calls each", "waapi-wasm (µs/call)", "fetch + JSON.parse (µs/call)", "ratio", "target ≤ 1.10"],
      ...Object.entries(send).map(([mode, v]) => [mode, int(v.calls_each), fixed(v.wasm_median_us, 1), fixed(v.plain_median_us, 1),
        fixed(v.ratio), verdict(v.ratio, 1.1, true)]),
    ],
  );

  // ---- 3. decode ----
  const decode = {};
  const plan = { 10: 300, 1000: 80, 10000: 16 };
  for (const [n, rounds] of Object.entries(plan).map(([n, r]) => [Number(n), Math.max(4, Math.round(r * scale))])) {
    await fake.seed(n);
    const [x, y] = [await contenders.wasm(), await contenders.plain()];
    if (x.length !== n || y.length !== n || x[n - 1].name !== y[n - 1].name) throw new Error(`decode ${n}: the contenders disagree`);
    for (let i = 0; i < Math.min(rounds, 10); i++) for (const k of ["wasm", "plain"]) await contenders[k]();
    const t = { wasm: [], plain: [] };
    for (let r = 0; r < rounds; r++) {
      for (const k of order(r, "wasm", "plain")) await sequential(contenders[k], 1, t[k]);
      if (r % 50 === 49) await fake.clearLog();
    }
    await fake.clearLog();
    decode[n] = { calls_each: rounds, wasm_median_ms: median(t.wasm), plain_median_ms: median(t.plain) };
    decode[n].ratio = decode[n].wasm_median_ms / decode[n].plain_median_ms;
  }
  await fake.reset();
  table(
    "3. Decode: listInstances() of n instances served by the fake, time to a typed result (fetch + body + decode), interleaved, medians",
    [
      ["instances", "calls each", "waapi-wasm (ms)", "fetch + JSON.parse (ms)", "ratio", "target"],
      ...Object.entries(decode).map(([n, d]) => [int(Number(n)), d.calls_each, fixed(d.wasm_median_ms, 3), fixed(d.plain_median_ms, 3),
        fixed(d.ratio), `≤ 1.20: ${verdict(d.ratio, 1.2, true)}`]),
    ],
  );
  client.free?.();
  return { overhead, send, decode };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { startFake } = await import("./lib.mjs");
  const fake = await startFake();
  try {
    await nodeBench(fake, { quick: process.argv.includes("--quick") });
  } finally {
    await fake.stop();
  }
}
