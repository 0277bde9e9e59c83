// Issue 15, rows of the README's threat model not covered elsewhere: path tricks and odd ids,
// HEAD/TRACE, query injection through `filter`, the cache across keys and filters, a 50 MB
// upstream answer. Each asserts the caller's status, that nothing
// unintended reached WaAPI, and that the edge still answers a normal request afterwards.
// Real workerd (wrangler dev) against fake-waapi; run through tests/with-fakes.sh (make test-edge).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer as createHttpServer, request as httpRequest } from "node:http";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const { FAKE_LIVE_URL: FAKE, FAKE_ADMIN_TOKEN: TOKEN } = process.env;
assert.ok(FAKE && TOKEN, "run through tests/with-fakes.sh");
const admin = newEdgeKey("create,read,update,delete");
let edge;

before(async () => {
  edge = await startEdge({ port: await freePort(), baseUrl: `${FAKE}/api/v1`, token: TOKEN, edgeKeys: admin.entry });
});
after(async () => {
  await edge?.stop();
});

/** A request sent as written (no URL normalisation by the client), with the admin key. */
const raw = (method, path, headers = {}) =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(edge.url);
    const req = httpRequest({ host: hostname, port, path, method, headers: { authorization: `Bearer ${admin.key}`, ...headers } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end();
  });
const control = async (method, path) => {
  const res = await fetch(FAKE + path, { method });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
};
const upstream = async () => (await control("GET", "/__fake/requests")).filter((r) => r.method !== "OPTIONS");
const stillAnswers = async () => {
  const r = await raw("GET", "/api/v1/instances/1");
  assert.equal(r.status, 200, `the edge still answers: ${r.text}`);
  assert.equal(JSON.parse(r.text).instance.id, 1);
};

test("path tricks and odd ids: 400 or 404 (431 for a 100 KB path), nothing sent upstream", async () => {
  await control("POST", "/__fake/reset");
  const cases = [
    ["/api/v1/instances/..%2F..%2Fadmin", 400],
    ["/api/v1/instances/1%2Fclient%2Fstatus", 400],
    ["/api/v1//instances/1", 404],
    ["/api/v1/instances//1", 404],
    ["/api/v1/instances/1/", 404],
    ["//api/v1/instances", 404],
    ["/api/v1/instances/1e3", 400],
    ["/api/v1/instances/0x10", 400],
    ["/api/v1/instances/+1", 400],
    ["/api/v1/instances/%2B1", 400],
    ["/api/v1/instances/01", 400],
    ["/api/v1/instances/-1", 400],
    [`/api/v1/instances/${"9".repeat(10_000)}`, 400],
    [`/api/v1/instances/1/${"a/".repeat(5_000)}`, 404],
    // workerd refuses a request line this long itself.
    [`/api/v1/instances/${"1".repeat(100_000)}`, 431],
  ];
  for (const [path, status] of cases) {
    const r = await raw("GET", path);
    assert.equal(r.status, status, `${path.slice(0, 60)} -> ${r.status} ${r.text.slice(0, 100)}`);
  }
  assert.deepEqual(await upstream(), [], "nothing reached WaAPI");
  // `..` and `%2e%2e` are resolved by URL parsing before routing: they land on a real route, with
  // its usual checks, and never outside /api/v1/instances.
  for (const path of ["/api/v1/instances/1/../2", "/api/v1/instances/1/%2e%2e/2", "/api/v1/instances/1/client/../../2"]) {
    const r = await raw("GET", path);
    assert.equal(r.status, 200, path);
    assert.equal(JSON.parse(r.text).instance.id, 2, path);
  }
  assert.deepEqual((await upstream()).map((r) => r.path), Array(3).fill("/api/v1/instances/2"));
  await stillAnswers();
});

test("HEAD, TRACE and PATCH are 405; OPTIONS without an Origin is 204 with Allow", async () => {
  await control("POST", "/__fake/reset");
  for (const path of ["/api/v1/instances", "/api/v1/instances/1"]) {
    for (const method of ["HEAD", "TRACE", "PATCH"]) {
      assert.equal((await raw(method, path)).status, 405, `${method} ${path}`);
    }
    const options = await raw("OPTIONS", path);
    assert.equal(options.status, 204, `OPTIONS ${path}`);
    assert.match(options.headers.allow, /OPTIONS/);
  }
  assert.deepEqual(await upstream(), [], "nothing reached WaAPI");
  await stillAnswers();
});

test("a filter stays one encoded parameter upstream, whatever it holds", async () => {
  await control("POST", "/__fake/reset");
  const hostile = "Sales&filter=x&token=y#frag?a=b/../../instances/1 %00\r\n";
  const r = await raw("GET", `/api/v1/instances?filter=${encodeURIComponent(hostile)}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(JSON.parse(r.text).instances, [], "no instance is named like that");
  const [seen] = await upstream();
  assert.equal(seen.path, "/api/v1/instances");
  const params = [...new URLSearchParams(seen.query)];
  assert.deepEqual(params, [["filter", hostile]], seen.query);
  await stillAnswers();
});

test("a null Origin gets no Access-Control-Allow-Origin; big headers; 100 000-deep JSON", async () => {
  await control("POST", "/__fake/reset");
  const preflight = await raw("OPTIONS", "/api/v1/instances", { origin: "null", "access-control-request-method": "GET" });
  assert.equal(preflight.status, 403, "a browser never gets to send the keyed call");
  assert.equal(preflight.headers["access-control-allow-origin"], undefined);
  // Sent anyway (not by a browser): answered, but with nothing that lets a page read it.
  const simple = await raw("GET", "/api/v1/instances", { origin: "null" });
  assert.equal(simple.status, 200);
  assert.equal(simple.headers["access-control-allow-origin"], undefined);
  // workerd takes a 64 KB header and refuses a 1 MB one before the worker runs: a 431, or, when
  // it closes the connection while the client is still writing the megabyte, a reset (seen once
  // in a fresh-clone CI run). Either way the edge answers afterwards (below).
  assert.equal((await raw("GET", "/api/v1/instances/1", { "x-big": "a".repeat(64 * 1024) })).status, 200);
  const big = await raw("GET", "/api/v1/instances/1", { "x-big": "a".repeat(1024 * 1024) }).catch((e) => e);
  assert.ok(big.status === 431 || ["ECONNRESET", "EPIPE"].includes(big.code), `${big.status ?? big.code}`);
  const deep = await new Promise((resolve, reject) => {
    const { hostname, port } = new URL(edge.url);
    const req = httpRequest({ host: hostname, port, method: "POST", path: "/api/v1/instances/1/client/action/send-message", headers: { authorization: `Bearer ${admin.key}` } }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, text }));
    });
    req.on("error", reject);
    req.end(`{"chatId":${"[".repeat(100_000)}${"]".repeat(100_000)}}`);
  });
  assert.equal(deep.status, 400, deep.text);
  assert.match(deep.text, /not JSON \(expected less nesting/);
  assert.ok(!(await upstream()).some((r) => r.method === "POST"), "the deep body never reached WaAPI");
  await stillAnswers();
});

// Two rows more, on an edge of their own with three keys in front of a proxy to the fake that
// answers GET /instances/999 with 50 MB of JSON (streamed, no Content-Length).
test("one key's or one filter's cached list is never another's; a 50 MB upstream answer is a 502", async () => {
  const viewer = newEdgeKey("read");
  const writer = newEdgeKey("update");
  const MB = 1024 * 1024;
  const proxy = createHttpServer(async (req, res) => {
    if (req.url === "/api/v1/instances/999") {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"status":"success","instance":{"id":999,"name":"');
      const chunk = Buffer.alloc(MB, "a");
      for (let i = 0; i < 50 && !res.destroyed; i++) if (!res.write(chunk)) await new Promise((r) => res.once("drain", r).once("close", r));
      res.end('"}}');
      return;
    }
    const body = await new Promise((r) => {
      const parts = [];
      req.on("data", (d) => parts.push(d)).on("end", () => r(Buffer.concat(parts)));
    });
    const answer = await fetch(FAKE + req.url, { method: req.method, headers: { authorization: req.headers.authorization, "content-type": "application/json" }, body: body.length ? body : undefined });
    res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" });
    res.end(Buffer.from(await answer.arrayBuffer()));
  });
  await new Promise((r) => proxy.listen(0, "127.0.0.1", r));
  const second = await startEdge({
    port: await freePort(),
    baseUrl: `http://127.0.0.1:${proxy.address().port}/api/v1`,
    token: TOKEN,
    edgeKeys: [admin, viewer, writer].map((k) => k.entry).join(";"),
    vars: { CACHE_TTL_MS: "60000" },
  });
  try {
    await control("POST", "/__fake/reset");
    const get = async (path, key) => {
      const res = await fetch(second.url + path, { headers: { authorization: `Bearer ${key.key}` } });
      return { status: res.status, text: await res.text() };
    };
    const support = await get("/api/v1/instances?filter=Support", admin);
    assert.equal(support.status, 200, support.text);
    // Cached for a minute now; a key without `read` is refused before the cache is looked at.
    assert.equal((await get("/api/v1/instances?filter=Support", writer)).status, 403);
    assert.equal((await get("/api/v1/instances", writer)).status, 403);
    // Another filter, or none, is its own answer, never the cached one.
    const all = await get("/api/v1/instances", viewer);
    const sales = await get("/api/v1/instances?filter=Sales", viewer);
    assert.equal(all.status, 200);
    assert.equal(sales.status, 200);
    const names = (a) => JSON.parse(a.text).instances.map((i) => i.name);
    assert.deepEqual(names(support), ["Support"]);
    assert.ok(names(all).length > 1, all.text);
    assert.ok(!names(sales).includes("Support"), sales.text);
    assert.equal(await get("/api/v1/instances?filter=Support", viewer).then((a) => a.text), support.text, "the same filter's cached answer is the same list");

    const big = await get("/api/v1/instances/999", admin);
    assert.equal(big.status, 502, big.text);
    assert.match(JSON.parse(big.text).message, /too large/i);
    const after = await get("/api/v1/instances/1", admin);
    assert.equal(after.status, 200, `the edge still answers: ${after.text}`);
  } finally {
    await second.stop();
    await new Promise((r) => proxy.close(r));
  }
});
