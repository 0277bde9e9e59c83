// The edge handler in real workerd (wrangler dev) against fake-waapi: routes, keys, input
// checks, the cache, CORS, upstream failures, the token, and a bounded load run.
// Run through tests/with-fakes.sh (make test-edge).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import autocannon from "autocannon";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";
import { WaapiClient } from "../../pkg/node.js";

const FAKE = process.env.FAKE_LIVE_URL;
const TOKEN = process.env.FAKE_ADMIN_TOKEN;
const VIEWER_TOKEN = process.env.FAKE_VIEWER_TOKEN;
assert.ok(FAKE && TOKEN && VIEWER_TOKEN, "run through tests/with-fakes.sh");

const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
const editor = newEdgeKey("read,update");
const ALLOWED = "http://allowed.example";
const edges = [];
const answers = []; // every response of the suite: scanned for the token at the end
let edge;

const start = async (token, vars = {}) => {
  const e = await startEdge({
    port: await freePort(),
    baseUrl: `${FAKE}/api/v1`,
    token,
    edgeKeys: [admin, viewer, editor].map((k) => k.entry).join(";"),
    vars: { ALLOWED_ORIGINS: ALLOWED, UPSTREAM_TIMEOUT_MS: "1000", ...vars },
  });
  edges.push(e);
  return e;
};

before(async () => {
  edge = await start(TOKEN);
  console.log(`# wrangler dev ready in ${edge.readyMs} ms`);
});

after(async () => {
  for (const e of edges) await e.stop();
});

/** Calls the edge; answers { status, headers, text, json }. */
const call = async (path, { key = admin.key, method = "GET", body, headers = {}, on = edge } = {}) => {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  const res = await fetch(on.url + path, { method, body, headers: h });
  const text = await res.text();
  const answer = { status: res.status, headers: res.headers, text };
  answers.push(answer);
  try {
    answer.json = JSON.parse(text);
  } catch {}
  return answer;
};
const control = async (method, path, body) => {
  const res = await fetch(FAKE + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${await res.clone().text()}`);
  return res.status === 204 ? undefined : res.json();
};
const fault = (spec) => control("POST", "/__fake/faults", spec);
const upstream = async () => (await control("GET", "/__fake/requests")).filter((r) => r.method !== "OPTIONS");
const reset = async () => {
  await control("POST", "/__fake/reset");
  // A write through the edge clears its list cache; a create/delete pair makes one.
  const created = await call("/api/v1/instances", { method: "POST" });
  await call(`/api/v1/instances/${created.json.instance.id}`, { method: "DELETE" });
  await control("POST", "/__fake/reset");
};

test("every route answers in WaAPI's shapes", async () => {
  await reset();
  const list = await call("/api/v1/instances");
  assert.equal(list.status, 200);
  assert.deepEqual(list.json.instances.map((i) => i.id), [1, 2, 3]);
  assert.equal(list.json.status, "success");
  assert.equal(list.headers.get("cache-control"), "no-store");
  assert.equal(list.headers.get("content-type"), "application/json");
  assert.deepEqual((await call("/api/v1/instances?filter=Sales")).json.instances.map((i) => i.id), [2]);

  const created = await call("/api/v1/instances", { method: "POST" });
  assert.equal(created.status, 201);
  const id = created.json.instance.id;
  assert.equal((await call(`/api/v1/instances/${id}`)).json.instance.name, `Instance ${id}`);
  const updated = await call(`/api/v1/instances/${id}`, {
    method: "PUT",
    body: JSON.stringify({ name: "Shop", webhook: { url: "https://shop.example/h", events: ["message"] } }),
  });
  assert.equal(updated.status, 200);
  assert.deepEqual(updated.json.data, {
    status: "success",
    instanceId: id,
    name: "Shop",
    instanceStatus: "qr",
    instanceWebhook: "https://shop.example/h",
    instanceEvents: ["message"],
  });
  assert.equal(updated.json.links.self, `/api/v1/instances/${id}`, "relative: no caller's Host comes back");
  assert.equal((await call(`/api/v1/instances/${id}/client/status`)).json.clientStatus.instanceStatus, "qr");
  assert.match((await call(`/api/v1/instances/${id}/client/qr`)).json.qrCode.data.qr_code, /^data:image\/png;base64,/);
  assert.equal((await call("/api/v1/instances/1/client/me")).json.me.data.displayName, "Support Desk");
  const deleted = await call(`/api/v1/instances/${id}`, { method: "DELETE" });
  assert.equal(deleted.status, 204);
  assert.equal(deleted.text, "");
  assert.equal((await call(`/api/v1/instances/${id}`)).status, 404);

  const seen = await upstream();
  assert.ok(seen.every((r) => r.headers.authorization === `Bearer ${TOKEN}`), "upstream calls carry the edge's token");
});

test("the waapi-wasm package works through the edge, as the dashboard uses it", async () => {
  await reset();
  const waapi = new WaapiClient(admin.key, { baseUrl: `${edge.url}/api/v1` });
  assert.deepEqual((await waapi.listInstances()).map((i) => i.name), ["Support", "Sales", "Marketing"]);
  assert.equal((await waapi.clientStatus(2)).instanceStatus, "qr");
  assert.match(await waapi.qrCode(2), /^data:image\/png;base64,/);
  assert.equal((await waapi.me(1)).contactId, "4915112345678@c.us");
  const s = await waapi.updateInstance(3, { webhook: { url: null, events: [] } });
  assert.equal(s.instanceWebhook, null);
  const denied = await new WaapiClient(viewer.key, { baseUrl: `${edge.url}/api/v1` }).createInstance().catch((e) => e);
  assert.equal(denied.kind, "forbidden");
  assert.equal(denied.permission, "create");
  const notQr = await waapi.qrCode(1).catch((e) => e);
  assert.equal(notQr.kind, "api");
  assert.equal(notQr.message, "WaAPI could not read an instance's QR code: instance not in QR mode");
});

test("keys and permissions", async () => {
  await reset();
  const expect = async (key, method, path, status, body) => {
    const r = await call(path, { key, method, body });
    assert.equal(r.status, status, `${method} ${path} -> ${r.status} ${r.text}`);
    return r;
  };
  await expect(viewer.key, "GET", "/api/v1/instances", 200);
  await expect(viewer.key, "GET", "/api/v1/instances/1/client/status", 200);
  const denied = await expect(viewer.key, "POST", "/api/v1/instances", 403);
  assert.match(denied.json.message, /lacks the create permission/);
  await expect(viewer.key, "PUT", "/api/v1/instances/1", 403, '{"name":"x"}');
  await expect(viewer.key, "DELETE", "/api/v1/instances/1", 403);
  await expect(editor.key, "PUT", "/api/v1/instances/1", 200, '{"name":"Edited"}');
  await expect(editor.key, "DELETE", "/api/v1/instances/1", 403);
  for (const key of [null, "wek_unknown", admin.key.slice(0, -1), admin.entry.split(":")[0]]) {
    const r = await expect(key, "GET", "/api/v1/instances", 401);
    // Recognisably the edge's own refusal, not WaAPI's ("Unauthenticated.").
    assert.deepEqual(r.json, { status: "error", message: "Unauthenticated: the edge did not accept this key." });
    assert.equal(r.headers.get("www-authenticate"), 'Bearer realm="waapi-edge"');
    assert.equal(r.headers.get("x-edge-upstream-status"), null);
  }
  for (const header of ["Basic abc", `Bearer`, `Token ${admin.key}`]) {
    assert.equal((await call("/api/v1/instances", { key: null, headers: { authorization: header } })).status, 401);
  }
  assert.deepEqual(
    (await upstream()).filter((r) => r.method !== "PUT").length,
    2,
    "refused calls never reach WaAPI (only the two reads did)",
  );
});

test("bad input is refused at the edge", async () => {
  await reset();
  const expect = async (method, path, status, body, headers) => {
    const r = await call(path, { method, body, headers });
    assert.equal(r.status, status, `${method} ${path} ${body ?? ""} -> ${r.status} ${r.text}`);
    assert.equal(r.json?.status ?? "error", "error");
    return r;
  };
  for (const id of ["0", "012", "abc", "1.5", "-1", "9007199254740992"]) await expect("GET", `/api/v1/instances/${id}`, 400);
  for (const body of ["", "not json", "[]", "{}", '{"nmae":"x"}', '{"name":5}', '{"webhook":{"url":"ftp://x"}}', '{"webhook":{"events":[1]}}']) {
    await expect("PUT", "/api/v1/instances/1", 400, body);
  }
  await expect("GET", "/api/v1/instances?filtre=x", 400);
  await expect("GET", "/api/v1/instances/1?x=1", 400);
  const method = await expect("PATCH", "/api/v1/instances/1", 405);
  assert.equal(method.headers.get("allow"), "GET, PUT, DELETE");
  for (const path of ["/api/v1", "/api/v1/instances/1/client/action", "/api/v2/instances", "/api/v1/instances/"]) {
    await expect("GET", path, 404);
  }
  assert.equal((await expect("GET", "/api/v1/instances/1/client/action/send-message", 405)).headers.get("allow"), "POST");
  const big = JSON.stringify({ name: "x".repeat(20_000) });
  assert.match((await expect("PUT", "/api/v1/instances/1", 413, big)).json.message, /larger than 16384 bytes/);
  assert.deepEqual(await upstream(), [], "nothing reached WaAPI");
});

test("instance lists are cached per isolate and writes clear the cache", async () => {
  await reset();
  await control("DELETE", "/__fake/requests");
  const lists = async () => (await upstream()).filter((r) => r.method === "GET" && r.path === "/api/v1/instances").length;
  const first = await call("/api/v1/instances");
  assert.equal(first.headers.get("x-edge-cache"), null, "no cache hint: it told a key what other keys listed");
  const hit = await call("/api/v1/instances");
  assert.equal(hit.headers.get("x-edge-cache"), null);
  assert.equal(hit.json.instances.length, 3);
  assert.equal(await lists(), 1, "the second list came from the cache");
  await call("/api/v1/instances?filter=Sup");
  assert.equal(await lists(), 2, "per filter");

  await call("/api/v1/instances", { method: "POST" });
  const fresh = await call("/api/v1/instances");
  assert.equal(await lists(), 3, "a write cleared it");
  assert.equal(fresh.json.instances.length, 4);

  await control("POST", "/__fake/reset");
  assert.equal((await call("/api/v1/instances")).json.instances.length, 4, "within the TTL the edge answers from cache");
});

test("CORS: same-origin by default, ALLOWED_ORIGINS for others", async () => {
  const preflight = (origin) =>
    call("/api/v1/instances", {
      key: null,
      method: "OPTIONS",
      headers: { origin, "access-control-request-method": "GET", "access-control-request-headers": "authorization" },
    });
  const ok = await preflight(ALLOWED);
  assert.equal(ok.status, 204);
  assert.equal(ok.headers.get("access-control-allow-origin"), ALLOWED);
  assert.match(ok.headers.get("access-control-allow-headers"), /Authorization/);
  const evil = await preflight("http://evil.example");
  assert.equal(evil.status, 403);
  assert.equal(evil.headers.get("access-control-allow-origin"), null);

  const cross = await call("/api/v1/instances", { headers: { origin: ALLOWED } });
  assert.equal(cross.headers.get("access-control-allow-origin"), ALLOWED);
  assert.equal(cross.headers.get("vary"), "Origin");
  const other = await call("/api/v1/instances", { headers: { origin: "http://evil.example" } });
  assert.equal(other.headers.get("access-control-allow-origin"), null);
  const same = await call("/api/v1/instances", { headers: { origin: edge.url } });
  assert.equal(same.status, 200);
  assert.equal(same.headers.get("access-control-allow-origin"), null);
});

test("the dashboard is served with a strict CSP", async () => {
  const page = await call("/", { key: null });
  assert.equal(page.status, 200);
  assert.match(page.text, /<html/i);
  const csp = page.headers.get("content-security-policy");
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.equal(page.headers.get("x-frame-options"), "DENY");
  assert.equal(page.headers.get("x-content-type-options"), "nosniff");
  assert.equal((await call("/", { key: null, method: "POST" })).status, 405);
});

test("upstream failures map to honest statuses", async () => {
  await reset();
  await fault({ path: "/api/v1/instances/1", status: 500, body: "<html>boom</html>", content_type: "text/html" });
  const failed = await call("/api/v1/instances/1");
  assert.equal(failed.status, 500, "WaAPI's status, passed on");
  assert.equal(failed.headers.get("x-edge-upstream-status"), "500");

  await fault({ path: "/api/v1/instances/1", status: 429, headers: { "Retry-After": "120" } });
  const limited = await call("/api/v1/instances/1");
  assert.equal(limited.status, 429);
  assert.equal(limited.headers.get("retry-after"), "120");
  assert.equal(limited.headers.get("x-edge-upstream-status"), "429");

  await fault({ path: "/api/v1/instances/1", delay_ms: 3000, times: 2 });
  const slow = await call("/api/v1/instances/1");
  assert.equal(slow.status, 504, slow.text);
  assert.equal(slow.headers.get("x-edge-upstream-status"), null, "the edge's own answer");

  await fault({ path: "/api/v1/instances/1", action: "invalid_json" });
  assert.equal((await call("/api/v1/instances/1")).status, 502);
  await fault({ path: "/api/v1/instances/1", action: "drop", times: 2 });
  assert.equal((await call("/api/v1/instances/1")).status, 502);
  await control("DELETE", "/__fake/faults");

  await fault({ path: "/api/v1/instances/1", status: 422, body: JSON.stringify({ message: "The given data was invalid.", errors: { "webhook.url": ["bad"] }, status: "error" }) });
  const invalid = await call("/api/v1/instances/1", { method: "PUT", body: '{"name":"x"}' });
  assert.equal(invalid.status, 422);
  assert.deepEqual(invalid.json.errors, { "webhook.url": ["bad"] });

  const wrongToken = await start("not-the-token");
  const refused = await call("/api/v1/instances/1", { on: wrongToken });
  assert.equal(refused.status, 502);
  assert.match(refused.json.message, /WAAPI_TOKEN/);
  const readOnly = await start(VIEWER_TOKEN);
  const lacking = await call("/api/v1/instances", { method: "POST", on: readOnly });
  assert.equal(lacking.status, 502);
  assert.match(lacking.json.message, /lacks the create permission/);
});

test("a 503 from WaAPI reaches the caller as 503 with WaAPI's words, marked as upstream", async () => {
  await reset();
  await fault({
    method: "GET", path: "/api/v1/instances", status: 503, times: 4,
    body: JSON.stringify({ status: "error", message: "Down for maintenance." }),
  });
  const r = await call("/api/v1/instances");
  assert.equal(r.status, 503, r.text);
  assert.equal(r.headers.get("x-edge-upstream-status"), "503");
  assert.equal(r.json.status, "error");
  assert.match(r.json.message, /HTTP 503/);
  const e = await new WaapiClient(admin.key, { baseUrl: `${edge.url}/api/v1`, maxRetries: 0 }).listInstances().catch((x) => x);
  assert.equal(e.kind, "server");
  assert.equal(e.status, 503);
  await control("DELETE", "/__fake/faults");
});

test("an in-band error (HTTP 200, status \"error\") passes on as 200 with WaAPI's body", async () => {
  await reset();
  const direct = await fetch(`${FAKE}/api/v1/instances/1/client/qr`, { headers: { authorization: `Bearer ${TOKEN}` } });
  const expected = await direct.json();
  assert.equal(direct.status, 200);
  const r = await call("/api/v1/instances/1/client/qr");
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, expected);
  assert.equal(r.headers.get("x-edge-upstream-status"), "200");
  // The package reports the same error through the edge as direct.
  const viaEdge = await new WaapiClient(admin.key, { baseUrl: `${edge.url}/api/v1` }).qrCode(1).catch((x) => x);
  const viaWaapi = await new WaapiClient(TOKEN, { baseUrl: `${FAKE}/api/v1` }).qrCode(1).catch((x) => x);
  assert.deepEqual([viaEdge.kind, viaEdge.status, viaEdge.message], [viaWaapi.kind, viaWaapi.status, viaWaapi.message]);
  assert.equal(viaEdge.status, 200);

  await fault({
    path: "/api/v1/instances/2/client/qr", status: 200,
    body: JSON.stringify({ qrCode: { status: "error", message: `token ${TOKEN} is not allowed` }, status: "success" }),
  });
  const echoed = await call("/api/v1/instances/2/client/qr");
  assert.equal(echoed.status, 200);
  assert.equal(echoed.json.qrCode.message, "token [redacted] is not allowed");
});

test("GET /edge/v1/key says what the caller's key may do", async () => {
  await reset();
  const viewerKey = await call("/edge/v1/key", { key: viewer.key });
  assert.equal(viewerKey.status, 200);
  assert.deepEqual(viewerKey.json, { permissions: ["read"] });
  assert.equal(viewerKey.headers.get("cache-control"), "no-store");
  assert.deepEqual((await call("/edge/v1/key")).json, { permissions: ["create", "read", "update", "delete"] });
  assert.deepEqual((await call("/edge/v1/key", { key: editor.key })).json, { permissions: ["read", "update"] });
  for (const key of [null, "wek_unknown"]) {
    const refused = await call("/edge/v1/key", { key });
    assert.equal(refused.status, 401);
    assert.match(refused.json.message, /edge did not accept this key/);
  }
  assert.equal((await call("/edge/v1/key", { method: "POST" })).status, 405);
  assert.equal((await call("/edge/v1/key?x=1")).status, 400);
  assert.equal((await call("/edge/v1/other")).status, 404);
  assert.deepEqual(await upstream(), [], "answered by the edge alone");
});

test("the token appears in no response and no log line", async () => {
  await fault({ path: "/api/v1/instances/2", status: 400, body: JSON.stringify({ status: "error", message: `token ${TOKEN} is not allowed` }) });
  const echoed = await call("/api/v1/instances/2");
  assert.equal(echoed.status, 400);
  assert.match(echoed.json.message, /\[redacted\]/);
  assert.ok(answers.length > 60, `${answers.length} answers scanned`);
  for (const a of answers) {
    const everything = a.text + JSON.stringify([...a.headers]);
    for (const secret of [TOKEN, VIEWER_TOKEN, "not-the-token"]) assert.ok(!everything.includes(secret), everything);
  }
  for (const e of edges) {
    for (const secret of [TOKEN, VIEWER_TOKEN, "not-the-token", admin.key, admin.entry]) {
      assert.ok(!e.output().includes(secret), "wrangler/workerd output holds a secret");
    }
  }
});

test("a bounded load run: 10 s, 32 connections, no errors", async () => {
  await reset();
  const result = await autocannon({
    url: `${edge.url}/api/v1/instances`,
    connections: 32,
    duration: 10,
    headers: { authorization: `Bearer ${admin.key}` },
  });
  console.log(
    `# load: ${result.requests.average} req/s average, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, ` +
      `${result.requests.total} requests, ${result.errors} errors, ${result.non2xx} non-2xx`,
  );
  assert.equal(result.errors, 0);
  assert.equal(result.timeouts, 0);
  assert.equal(result.non2xx, 0);
  assert.ok(result.requests.total > 0);
});
