// Issue 17, the edge under attack: bounded bodies on every route, bounded upstream answers, no
// redirect followed, the list cache, write-only keys, webhook targets, a malformed EDGE_KEYS,
// the page's own files only, relative links, OPTIONS routed first, the CSP's img-src. Each
// test failed on the edge before its fix. Real workerd (wrangler dev) against fake-waapi; run
// through tests/with-fakes.sh (make test-edge).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { fileURLToPath } from "node:url";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { FAKE_LIVE_URL: FAKE, FAKE_SPEC_URL: OTHER, FAKE_ADMIN_TOKEN: TOKEN } = process.env;
assert.ok(FAKE && OTHER && TOKEN, "run through tests/with-fakes.sh");

const SECRET = "whs_0123456789abcdef0123456789abcdef";
const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
const writer = newEdgeKey("update"); // no read
const creator = newEdgeKey("create"); // no read
const keys = [admin, viewer, writer, creator].map((k) => k.entry).join(";");
const edges = [];
let edge;

const start = async (vars = {}, more = {}) => {
  const e = await startEdge({
    port: await freePort(), baseUrl: `${FAKE}/api/v1`, token: TOKEN, edgeKeys: keys, webhookSecret: SECRET,
    vars: { UPSTREAM_TIMEOUT_MS: "3000", ...vars }, ...more,
  });
  edges.push(e);
  return e;
};

before(async () => {
  edge = await start({ MAX_UPSTREAM_BYTES: "100000", ALLOWED_ORIGINS: "http://allowed.example" });
});
after(async () => {
  for (const e of edges) await e.stop();
});

const call = async (path, { key = admin.key, method = "GET", body, headers = {}, on = edge } = {}) => {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  const init = { method, body, headers: h };
  if (body instanceof ReadableStream) init.duplex = "half";
  const res = await fetch(on.url + path, init);
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {}
  return { status: res.status, headers: res.headers, text, json };
};
/** A request sent as written: no URL normalisation, any Host. */
const raw = (url, path, headers = {}) =>
  new Promise((resolve, reject) => {
    const { hostname, port } = new URL(url);
    const req = httpRequest({ host: hostname, port, path, headers }, (res) => {
      let text = "";
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, text }));
    });
    req.on("error", reject);
    req.end();
  });
const control = async (method, path, body, on = FAKE) => {
  const res = await fetch(on + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
};
const fault = (spec) => control("POST", "/__fake/faults", spec);
const upstream = async (on = FAKE) => (await control("GET", "/__fake/requests", undefined, on)).filter((r) => r.method !== "OPTIONS");
const reset = async () => {
  await control("POST", "/__fake/reset");
  await control("POST", "/__fake/reset", undefined, OTHER);
};
/** `size` bytes (no Content-Length: chunked), 16 KiB at a time. */
const chunked = (size) => {
  let left = size;
  return new ReadableStream({
    pull(c) {
      if (left <= 0) return c.close();
      const n = Math.min(left, 16384);
      left -= n;
      c.enqueue(new Uint8Array(n).fill(0x7b));
    },
  });
};

test("every body is bounded as it streams; create and bodiless routes take none", async () => {
  await reset();
  // WaAPI's create takes no body: a chunked one (not even JSON) made an instance before.
  const create = await call("/api/v1/instances", { method: "POST", body: chunked(10_000) });
  assert.equal(create.status, 413, create.text);
  assert.equal(create.json.message, "This route takes no request body.");
  assert.equal((await call("/api/v1/instances", { method: "POST", body: "x" })).status, 413, "with a Content-Length too");
  assert.equal((await call("/api/v1/instances", { method: "POST", body: "" })).status, 201, "an empty body is no body");
  assert.equal((await call("/api/v1/instances/2", { method: "DELETE", body: chunked(100) })).status, 413);
  // Over the limit but within what the edge drains (the 413 then arrives on an orderly
  // connection); 64 MB bodies are tests/edge/memory.mjs's.
  assert.equal((await call("/api/v1/instances/1", { method: "PUT", body: chunked(20_000) })).status, 413);
  const action = await call("/api/v1/instances/1/client/action/send-message", { method: "POST", body: chunked(1024 * 1024 + 1) });
  assert.equal(action.status, 413);
  assert.match(action.json.message, /larger than 1048576 bytes/);
  const seen = await upstream();
  assert.deepEqual(seen.map((r) => `${r.method} ${r.path}`), ["POST /api/v1/instances"], "only the bodiless create reached WaAPI");
});

test("an upstream answer over MAX_UPSTREAM_BYTES is a 502, by Content-Length or by stream", async () => {
  await reset();
  const big = JSON.stringify({ instance: { id: 1, name: "x".repeat(150_000), owner: "o", webhook_url: null, webhook_events: [], is_trial: false }, status: "success" });
  for (const action of ["respond", "chunked"]) {
    await fault({ method: "GET", path: "/api/v1/instances/1", status: 200, body: big, action });
    const r = await call("/api/v1/instances/1");
    assert.equal(r.status, 502, `${action}: ${r.text.slice(0, 200)}`);
    assert.equal(r.json.message, "The WaAPI answer was too large: it is over the edge's limit (MAX_UPSTREAM_BYTES).");
  }
  assert.equal((await call("/api/v1/instances/1")).status, 200, "a normal answer still passes");
});

test("a redirect from WaAPI is never followed", async () => {
  await reset();
  // A 302 to another host: its list must not be served as WaAPI's.
  await fault({ method: "GET", path: "/api/v1/instances", status: 302, headers: { Location: `${OTHER}/api/v1/instances` } });
  const list = await call("/api/v1/instances?filter=redirect");
  assert.equal(list.status, 502, list.text);
  assert.match(list.json.message, /redirect/);
  assert.ok(!list.text.includes(OTHER), "the other host is not named to the caller");
  // A 307 on PUT would re-send the name and webhook URL to the other host.
  await fault({ method: "PUT", path: "/api/v1/instances/1", status: 307, headers: { Location: `${OTHER}/api/v1/instances/1` } });
  const put = await call("/api/v1/instances/1", { method: "PUT", body: JSON.stringify({ name: "Secret plans" }) });
  assert.equal(put.status, 502, put.text);
  assert.deepEqual(await upstream(OTHER), [], "the other host heard nothing");
});

test("the list cache: expiry from when the answer is stored, and a write wins over a late fill", async () => {
  await reset();
  const cached = await start({ CACHE_TTL_MS: "3000", UPSTREAM_TIMEOUT_MS: "10000" });
  const lists = async () => (await upstream()).filter((r) => r.method === "GET" && r.path === "/api/v1/instances").length;
  // WaAPI slower than the TTL: the answer is still kept for a TTL from its arrival.
  await fault({ method: "GET", path: "/api/v1/instances", delay_ms: 3500 });
  assert.equal((await call("/api/v1/instances", { on: cached })).status, 200);
  assert.equal((await call("/api/v1/instances", { on: cached })).json.instances.length, 3);
  assert.equal(await lists(), 1, "the second list was served from the cache");
  assert.equal((await call("/api/v1/instances", { on: cached })).headers.get("x-edge-cache"), null);

  // A list read before a write arrives after it: it must not be cached over the write.
  await call("/api/v1/instances", { on: cached, method: "POST" }); // clears the cache
  const before = await (await fetch(`${FAKE}/api/v1/instances`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
  await fault({ method: "GET", path: "/api/v1/instances", status: 200, body: before, delay_ms: 1500 });
  const late = call("/api/v1/instances", { on: cached });
  await new Promise((r) => setTimeout(r, 300));
  assert.equal((await call("/api/v1/instances", { on: cached, method: "POST" })).status, 201);
  assert.equal((await late).json.instances.length, 4, "the pre-write list (its caller asked first)");
  assert.equal((await call("/api/v1/instances", { on: cached })).json.instances.length, 5, "the write won");
});

test("write-only keys read nothing", async () => {
  await reset();
  const put = await call("/api/v1/instances/1", { key: writer.key, method: "PUT", body: JSON.stringify({ name: "Support" }) });
  assert.equal(put.status, 200, put.text);
  assert.deepEqual(put.json, { status: "success" }, "no status, webhook URL or events");
  assert.equal((await call("/api/v1/instances/1", { key: writer.key })).status, 403);
  const created = await call("/api/v1/instances", { key: creator.key, method: "POST" });
  assert.equal(created.status, 201);
  assert.deepEqual(created.json, { instance: { id: 4 }, status: "success" }, "the new id only");
  const full = await call("/api/v1/instances", { method: "POST" });
  assert.equal(full.json.instance.name, "Instance 5", "a key with read sees the instance");
});

test("webhook targets: never internal hosts, EDGE_WEBHOOK_HOSTS, the edge's own receiver", async () => {
  await reset();
  const put = (url, on = edge) => call("/api/v1/instances/1", { on, method: "PUT", body: JSON.stringify({ webhook: { url } }) });
  for (const url of [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:22/",
    "http://localhost/",
    "http://[::1]/",
    "http://10.0.0.1/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://metadata.google.internal/computeMetadata/v1/",
    `${edge.url}/webhooks/waapi/${SECRET}`, // private: only when the operator allows it
  ]) {
    const r = await put(url);
    assert.equal(r.status, 400, `${url}: ${r.text}`);
  }
  assert.equal((await put("https://anywhere.example/h")).status, 200, "unset: any public host");
  const listed = await start({ EDGE_WEBHOOK_HOSTS: "hooks.example.com", EDGE_ALLOW_PRIVATE_WEBHOOKS: "true" });
  assert.equal((await put("https://hooks.example.com/waapi", listed)).status, 200);
  const other = await put("https://anywhere.example/h", listed);
  assert.equal(other.status, 400);
  assert.match(other.json.message, /EDGE_WEBHOOK_HOSTS/);
  assert.equal((await put(`${listed.url}/webhooks/waapi/${SECRET}`, listed)).status, 200, "its own receiver");
  for (const url of [`${listed.url}/webhooks/waapi/../../api`, "http://127.0.0.1:22/", "http://169.254.169.254/webhooks/waapi/x"]) {
    assert.equal((await put(url, listed)).status, 400, url);
  }
  const sent = (await upstream()).filter((r) => r.method === "PUT").map((r) => JSON.parse(r.body).webhook.url);
  assert.deepEqual(sent, ["https://anywhere.example/h", "https://hooks.example.com/waapi", `${listed.url}/webhooks/waapi/${SECRET}`]);
});

test("a malformed EDGE_KEYS entry is never quoted; the other keys keep working", async () => {
  const pasted = "wek_pasted-into-the-permissions-0123";
  const bad = `${"ab".repeat(32)}:read,${pasted}`;
  // make edge / startEdge: refused before anything starts, named by position.
  const refused = await startEdge({ port: await freePort(), baseUrl: `${FAKE}/api/v1`, token: TOKEN, edgeKeys: `${admin.entry};${bad}` }).catch((e) => e);
  assert.ok(refused instanceof Error);
  assert.match(refused.message, /EDGE_KEYS entry 2 is malformed/);
  assert.ok(!refused.message.includes(pasted));
  const cli = spawn(process.execPath, ["worker/dev.mjs"], {
    cwd: root, stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, PORT: String(await freePort()), WAAPI_TOKEN: TOKEN, EDGE_KEYS: `${bad};${admin.entry}` },
  });
  let said = "";
  cli.stderr.on("data", (d) => (said += d));
  cli.stdout.on("data", (d) => (said += d));
  assert.equal(await new Promise((r) => cli.on("exit", r)), 1);
  assert.match(said, /EDGE_KEYS entry 1 is malformed/);
  assert.ok(!said.includes(pasted));

  // The worker itself, given one anyway: the rest work, the log names the position only.
  const mixed = await start({}, { edgeKeys: `${admin.entry};${bad};${viewer.entry}`, checkKeys: false });
  assert.equal((await call("/api/v1/instances", { on: mixed })).status, 200);
  assert.equal((await call("/api/v1/instances", { on: mixed, key: viewer.key })).status, 200);
  assert.equal((await call("/api/v1/instances", { on: mixed, key: pasted })).status, 401);
  for (let i = 0; i < 100 && !/EDGE_KEYS entry 2 is malformed/.test(mixed.output()); i++) await new Promise((r) => setTimeout(r, 50));
  assert.match(mixed.output(), /waapi-edge: misconfigured: EDGE_KEYS entry 2 is malformed: its permissions are not a list/);
  assert.ok(!mixed.output().includes(pasted), "the log holds no text of the entry");
  const none = await start({}, { edgeKeys: bad, checkKeys: false });
  for (const key of [null, admin.key]) {
    const r = await call("/api/v1/instances", { on: none, key });
    assert.equal(r.status, 500);
    assert.deepEqual(r.json, { status: "error", message: "The edge is misconfigured." });
  }
  assert.ok(!none.output().includes(pasted));
});

/** The files the page loads: index.html's src/href, then every import (side-effect ones too) and `new URL(…, import.meta.url)`. */
const pageFiles = () => {
  const seen = new Set(["index.html"]);
  const queue = [...readFileSync(`${root}www/index.html`, "utf8").matchAll(/(?:src|href)="([^"#?:]+)"/g)].map((m) => m[1]);
  while (queue.length) {
    const file = new URL(queue.shift(), "http://x/").pathname.slice(1);
    if (seen.has(file)) continue;
    seen.add(file);
    if (!file.endsWith(".js")) continue;
    const text = readFileSync(`${root}www/${file}`, "utf8");
    for (const m of text.matchAll(/(?:from\s*|import\s*\(\s*|import\s+|new URL\(\s*)["'](\.{1,2}\/[^"']+|[\w-]+\.wasm)["']/g)) {
      queue.push(new URL(m[1], `http://x/${file}`).pathname);
    }
  }
  return seen;
};
const walk = (dir, base = "") =>
  readdirSync(dir, { withFileTypes: true }).flatMap((d) =>
    d.isDirectory() ? walk(`${dir}/${d.name}`, `${base}${d.name}/`) : [`${base}${d.name}`],
  );

test("only the page's own files are served", async () => {
  const page = pageFiles();
  assert.ok(page.has("vendor/waapi-wasm/waapi_wasm_bg.wasm") && page.has("errors.js"), [...page].join(" "));
  for (const file of page) {
    const r = await raw(edge.url, file === "index.html" ? "/" : `/${file}`);
    assert.equal(r.status, 200, `${file} is loaded by the page`);
  }
  const others = walk(`${root}www`).filter((f) => !page.has(f));
  assert.ok(others.includes(".gitignore"), others.join(" "));
  for (const path of [...others.map((f) => `/${f}`), "/vendor/../.gitignore", "/vendor/%2e%2e/.gitignore", "/.env", "/no-such-page", "/vendor/waapi-wasm/"]) {
    const r = await raw(edge.url, path);
    assert.equal(r.status, 404, `${path}: ${r.status}`);
  }
});

test("links are relative and OPTIONS is routed first", async () => {
  await reset();
  const status = await raw(edge.url, "/api/v1/instances/1/client/status", { host: "evil.example:666", authorization: `Bearer ${admin.key}` });
  assert.equal(status.status, 200);
  assert.equal(JSON.parse(status.text).links.self, "/api/v1/instances/1/client/status");
  assert.ok(!status.text.includes("evil.example"));

  const options = (path, headers = {}) => call(path, { key: null, method: "OPTIONS", headers });
  for (const path of ["/api/v1/nothing", "/api/v1/instances/abc", "/api/v1/instances/1/client/action/no-such", "/edge/v1/nothing"]) {
    assert.equal((await options(path)).status, 404, path);
  }
  assert.equal((await options("/api/v1/instances")).headers.get("allow"), "GET, POST, OPTIONS");
  assert.equal((await options("/api/v1/instances/1")).headers.get("allow"), "GET, PUT, DELETE, OPTIONS");
  assert.equal((await options("/api/v1/instances/1/events/stream")).headers.get("allow"), "GET, OPTIONS");
  assert.equal((await options("/edge/v1/key")).headers.get("allow"), "GET, OPTIONS");
  const preflight = await options("/api/v1/instances/1/client/action/send-message", {
    origin: "http://allowed.example", "access-control-request-method": "POST",
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers.get("access-control-allow-methods"), "POST");
});

test("the page's CSP allows images from itself, data: and WhatsApp's profile picture host only", async () => {
  const csp = (await raw(edge.url, "/")).headers["content-security-policy"];
  const img = csp.split(";").map((d) => d.trim()).find((d) => d.startsWith("img-src"));
  assert.equal(img, "img-src 'self' data: https://pps.whatsapp.net");
  const fake = await start({ IMG_SRC: "https://pps.example.com" });
  const extra = (await raw(fake.url, "/")).headers["content-security-policy"];
  assert.match(extra, /img-src 'self' data: https:\/\/pps\.whatsapp\.net https:\/\/pps\.example\.com;/, "IMG_SRC adds sources");
});
