// Issue 15, rows of the README's threat model not covered elsewhere: path tricks and odd ids,
// HEAD/TRACE, query injection through `filter`. Each asserts the caller's status, that nothing
// unintended reached WaAPI, and that the edge still answers a normal request afterwards.
// Real workerd (wrangler dev) against fake-waapi; run through tests/with-fakes.sh (make test-edge).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { request as httpRequest } from "node:http";
import { createServer } from "node:net";
import { startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const { FAKE_LIVE_URL: FAKE, FAKE_ADMIN_TOKEN: TOKEN } = process.env;
assert.ok(FAKE && TOKEN, "run through tests/with-fakes.sh");
const admin = newEdgeKey("create,read,update,delete");
let edge;

const freePort = () =>
  new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
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
  // workerd takes a 64 KB header and refuses a 1 MB one before the worker runs.
  assert.equal((await raw("GET", "/api/v1/instances/1", { "x-big": "a".repeat(64 * 1024) })).status, 200);
  assert.equal((await raw("GET", "/api/v1/instances/1", { "x-big": "a".repeat(1024 * 1024) })).status, 431);
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
