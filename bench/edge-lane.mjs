// The edge's list lane in-process: `node bench/edge-lane.mjs [build] [other build]`. Loads an edge
// build (a copy of worker/build/; by default worker/build/ itself) in Node and times its lane,
// `list_start` + `list_end` as src/index.js calls them, per request, with `fetch` stubbed to
// answer a 3-instance list at once. With two builds it alternates them round by round and prints
// the ratio. Node's Request, Response and AbortSignal are not workerd's, so the figures are for
// comparing builds, not for quoting; under load in workerd (bench/edge.mjs) a difference of less
// than ~10 % is lost in the run-to-run noise, which this is not. No timing here is a test.
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { newEdgeKey } from "../worker/edge-key.mjs";
import { root, median, table, fixed } from "./lib.mjs";

const dirs = process.argv.slice(2, 4).map((d) => resolve(d));
if (!dirs.length) dirs.push(`${root}worker/build`);
const ROUNDS = 20, PER_ROUND = 2000;

const { key, entry } = newEdgeKey("read");
const instances = [1, 2, 3].map((id) => ({ id, name: `n${id}`, owner: "o@example.com", webhook_url: null, webhook_events: [], is_trial: false }));
const body = new TextEncoder().encode(JSON.stringify({ instances, links: { self: "/instances" }, status: "success" }));
globalThis.fetch = async () =>
  new Response(body, { status: 200, headers: { "Content-Type": "application/json", "Content-Length": String(body.length) } });
const env = { WAAPI_BASE_URL: "http://127.0.0.1:9/api/v1", WAAPI_TOKEN: "bench-token", EDGE_KEYS: entry, CACHE_TTL_MS: "0",
  ALLOWED_ORIGINS: "", CONNECT_SRC: "" };

const builds = [];
for (const [i, dir] of dirs.entries()) {
  // A query per build: the same file twice would be one module.
  const glue = await import(`${pathToFileURL(`${dir}/waapi_edge.js`)}?build=${i}`);
  glue.initSync({ module: readFileSync(`${dir}/waapi_edge_bg.wasm`) });
  builds.push({ dir, glue, us: [] });
}

/** µs per request over `n` lane requests. */
async function round({ glue }, n) {
  const requests = Array.from({ length: n }, () =>
    new Request("http://127.0.0.1:9/api/v1/instances", { headers: { Authorization: `Bearer ${key}` } }));
  const t0 = performance.now();
  for (const request of requests) {
    const lane = glue.list_start(request, env);
    if (!Array.isArray(lane)) throw new Error("the request did not take the lane");
    const [attempt, k, generation] = lane;
    const response = glue.list_end(env, k, generation, false, await attempt);
    if (response.status !== 200) throw new Error(`the lane answered ${response.status}`);
  }
  return ((performance.now() - t0) * 1000) / n;
}

for (const b of builds) await round(b, PER_ROUND); // warm-up: compile, JIT
for (let r = 0; r < ROUNDS; r++) for (const b of r % 2 ? [...builds].reverse() : builds) b.us.push(await round(b, PER_ROUND));
const rows = [["build", "µs per request (median of rounds)"], ...builds.map((b) => [b.dir, fixed(median(b.us), 1)])];
if (builds.length === 2) rows.push(["second / first", fixed(median(builds[1].us) / median(builds[0].us), 3)]);
table(`The edge's list lane in Node, fetch stubbed: ${ROUNDS} rounds × ${PER_ROUND} requests, alternated`, rows);
