// The edge's memory under two hostile loads (issue 17): a 64 MB chunked request body, and a
// 50 MB upstream answer (streamed without Content-Length by a server of this script's own). Each
// runs on a fresh edge (wrangler dev); prints workerd's RSS before, after, and its peak (VmHWM).
// No thresholds: it measures. Run with `tests/with-fakes.sh node tests/edge/memory.mjs` after
// `make worker www`; about 30 s.
import { createServer } from "node:http";
import { readdirSync, readFileSync } from "node:fs";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const MB = 1024 * 1024;
const admin = newEdgeKey("create,read,update,delete");

/** workerd's processes of the edge on `port`: found by the TMPDIR dev.mjs gives them. */
const workerd = (port) =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        const env = readFileSync(`/proc/${pid}/environ`, "latin1");
        return readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd" && env.includes(`/.tmp/edge-${port}/tmp`);
      } catch {
        return false;
      }
    });
const status = (pid, field) => Number(readFileSync(`/proc/${pid}/status`, "utf8").match(new RegExp(`${field}:\\s+(\\d+)`))[1]) / 1024;
const mib = (port) => workerd(port).reduce((s, pid) => ({ rss: s.rss + status(pid, "VmRSS"), peak: s.peak + status(pid, "VmHWM") }), { rss: 0, peak: 0 });

// A WaAPI stand-in whose instance list (only; everything else is a small 404) is `size` bytes of valid JSON, streamed in 64 KiB chunks.
const bigUpstream = (size) =>
  new Promise((resolve) => {
    const server = createServer((req, res) => {
      req.resume();
      if (req.url !== "/api/v1/instances") {
        res.writeHead(404, { "content-type": "application/json" });
        return res.end('{"status":"error","message":"Not found."}');
      }
      res.writeHead(200, { "content-type": "application/json" });
      const head = '{"status":"success","instances":[],"pad":"';
      const tail = '"}';
      res.write(head);
      let left = size - head.length - tail.length;
      const chunk = "x".repeat(64 * 1024);
      const more = () => {
        while (left > 0) {
          const n = Math.min(left, chunk.length);
          left -= n;
          if (!res.write(n === chunk.length ? chunk : chunk.slice(0, n))) return res.once("drain", more);
        }
        res.end(tail);
      };
      more();
    });
    server.listen(0, "127.0.0.1", () => resolve(server));
  });

/** A chunked body of `size` bytes (no Content-Length), 64 KiB at a time. */
const chunkedBody = (size) => {
  let left = size;
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  return new ReadableStream({
    pull(c) {
      if (left <= 0) return c.close();
      const n = Math.min(left, chunk.length);
      left -= n;
      c.enqueue(n === chunk.length ? chunk : chunk.subarray(0, n));
    },
  });
};

async function measure(name, baseUrl, send) {
  const port = await freePort();
  const edge = await startEdge({ port, baseUrl, token: "t", edgeKeys: admin.entry, vars: { CACHE_TTL_MS: "0" } });
  try {
    await fetch(`${edge.url}/api/v1/instances/1/client/status`, { headers: { authorization: `Bearer ${admin.key}` } }).then((r) => r.text());
    const before = mib(port);
    const started = performance.now();
    const { status, text } = await send(edge.url);
    const ms = Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 500));
    const after = mib(port);
    console.log(
      `${name}: HTTP ${status} in ${ms} ms; workerd RSS ${before.rss.toFixed(0)} -> ${after.rss.toFixed(0)} MiB, ` +
        `peak ${after.peak.toFixed(0)} MiB; answer: ${text.slice(0, 100)}`,
    );
  } finally {
    await edge.stop();
  }
}

const { FAKE_LIVE_URL: FAKE } = process.env;
if (!FAKE) throw new Error("run through tests/with-fakes.sh");
const auth = { authorization: `Bearer ${admin.key}` };
const read = async (res) => ({ status: res.status, text: await res.text() });

await measure("64 MB chunked PUT body", `${FAKE}/api/v1`, async (url) =>
  read(await fetch(`${url}/api/v1/instances/1`, { method: "PUT", headers: auth, body: chunkedBody(64 * MB), duplex: "half" }).catch((e) => ({ status: 0, text: async () => String(e.cause ?? e) }))),
);
await measure("64 MB chunked POST /instances (create) body", `${FAKE}/api/v1`, async (url) =>
  read(await fetch(`${url}/api/v1/instances`, { method: "POST", headers: auth, body: chunkedBody(64 * MB), duplex: "half" }).catch((e) => ({ status: 0, text: async () => String(e.cause ?? e) }))),
);
const upstream = await bigUpstream(50 * MB);
try {
  await measure("50 MB upstream answer", `http://127.0.0.1:${upstream.address().port}/api/v1`, async (url) =>
    read(await fetch(`${url}/api/v1/instances`, { headers: auth })),
  );
} finally {
  upstream.close();
  upstream.closeAllConnections();
}
