// 5. Memory: the wasm linear memory after 1 000 listInstances() calls against after 100 000,
// in a fresh process (so no earlier benchmark has grown it), with the web glue loaded directly.
// Calls run 64 in flight in both phases, so the peak of live futures is the same.
// Usage: node bench/memory.mjs <api base url> <token>  → prints one JSON line.
import { readFileSync } from "node:fs";
import { initSync, WaapiClient } from "../pkg/waapi_wasm.js";

const [api, token] = process.argv.slice(2);
const exports = initSync({ module: readFileSync(new URL("../pkg/waapi_wasm_bg.wasm", import.meta.url)) });
const bytes = () => exports.memory.buffer.byteLength;

async function calls(client, n, inFlight = 64) {
  let started = 0;
  const lane = async () => {
    while (started < n) {
      started++;
      const list = await client.listInstances();
      if (list.length !== 3) throw new Error("unexpected list");
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
}

const clearLog = () => fetch(`${new URL(api).origin}/__fake/requests`, { method: "DELETE" });

const start = bytes();
const client = new WaapiClient(token, { baseUrl: api });
await calls(client, 1_000);
const after1k = bytes();
for (let done = 1_000; done < 100_000; done += 11_000) {
  await calls(client, 11_000);
  await clearLog();
}
const after100k = bytes();

// Many short-lived clients: 10 000 created, each used once, each freed.
for (let i = 0; i < 10_000; i += 64) {
  await Promise.all(
    Array.from({ length: 64 }, async () => {
      const c = new WaapiClient(token, { baseUrl: api });
      await c.listInstances();
      c.free();
    }),
  );
}
await clearLog();
const afterClients = bytes();
console.log(JSON.stringify({ start_bytes: start, after_1000_bytes: after1k, after_100000_bytes: after100k,
  growth_bytes: after100k - after1k, after_10000_clients_bytes: afterClients, clients_growth_bytes: afterClients - after100k }));
