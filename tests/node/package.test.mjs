// The npm tarball, installed into a temp folder and imported by its name, against both fakes.
// Run through tests/with-fakes.sh (make test-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { ADMIN, VIEWER, control, fakes, installTarball, removeDir, reset, seen } from "./support.mjs";

let dir;
let pkg; // the installed package's exports
const caught = []; // every error the suite saw, to scan for the token at the end

before(async () => ({ dir, pkg } = await installTarball("waapi-wasm-node-")));
after(() => removeDir(dir));

const client = (fake, token = ADMIN, options = {}) =>
  new pkg.WaapiClient(token, { baseUrl: `${fake}/api/v1`, ...options });

/** Awaits a rejection and hands back the WaapiError, checking its shape. */
const failure = async (promise) => {
  try {
    await promise;
  } catch (e) {
    caught.push(e);
    assert.ok(e instanceof Error, "an Error");
    assert.equal(e.name, "WaapiError");
    assert.ok(pkg.isWaapiError(e));
    assert.equal(typeof e.message, "string");
    assert.ok(e.message.length > 0);
    return e;
  }
  assert.fail("expected a rejection");
};
const thrown = (fn) => {
  try {
    fn();
  } catch (e) {
    caught.push(e);
    assert.equal(e.name, "WaapiError");
    return e;
  }
  assert.fail("expected a throw");
};

test("the README example, as written", async () => {
  await reset(fakes.live);
  const { WaapiClient } = pkg;
  const waapi = new WaapiClient(ADMIN, { baseUrl: `${fakes.live}/api/v1`, timeoutMs: 5000, maxRetries: 1 });
  const instances = await waapi.listInstances();
  assert.deepEqual(instances[0], {
    id: 1,
    name: "Support",
    owner: "admin@example.com",
    webhook_url: "https://hooks.example.com/waapi",
    webhook_events: ["message", "message_ack", "ready"],
    is_trial: false,
  });
  assert.deepEqual(
    instances.map((i) => [i.id, i.is_trial, i.webhook_url]),
    [[1, false, "https://hooks.example.com/waapi"], [2, true, null], [3, false, "https://example.org/hooks/marketing"]],
  );
  await waapi.listInstances("shop & co");
  const last = (await seen(fakes.live)).at(-1);
  assert.equal(last.query, "filter=shop%20%26%20co");
  assert.equal(last.headers.authorization, `Bearer ${ADMIN}`);
  assert.equal(last.headers.accept, "application/json");
  assert.equal(last.headers["content-type"], "application/json");
  assert.ok(pkg.WaapiClient.prototype.free, "wasm-bindgen's free() is there");
});

for (const [mode, fake] of Object.entries(fakes)) {
  test(`every method resolves its type (${mode} envelopes)`, async () => {
    await reset(fake);
    const waapi = client(fake);
    assert.deepEqual(await waapi.listInstances("Sales"), [
      { id: 2, name: "Sales", owner: "admin@example.com", webhook_url: null, webhook_events: [], is_trial: true },
    ]);
    assert.equal((await waapi.getInstance(3)).name, "Marketing");
    const created = await waapi.createInstance();
    assert.equal(created.id, 4);
    assert.deepEqual(await waapi.clientStatus(4), {
      instanceId: 4,
      name: "Instance 4",
      instanceStatus: "qr",
      instanceWebhook: null,
      instanceEvents: [],
    });
    const qr = await waapi.qrCode(4);
    assert.match(qr, /^data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+$/);
    await control(fake, "POST", "/__fake/instances/4/scan");
    assert.equal((await waapi.clientStatus(4)).instanceStatus, "ready");
    const me = await waapi.me(4);
    assert.deepEqual(Object.keys(me), ["displayName", "contactId", "formattedNumber", "profilePicUrl"]);
    assert.match(me.contactId, /@c\.us$/);

    const updated = await waapi.updateInstance(4, {
      name: "Shop",
      webhook: { url: "https://shop.example/hook", events: ["message", "vote_update"] },
    });
    assert.deepEqual(updated, {
      instanceId: 4,
      name: "Shop",
      instanceStatus: "ready",
      instanceWebhook: "https://shop.example/hook",
      instanceEvents: ["message", "vote_update"],
    });
    const reset4 = await waapi.updateInstance(4, { webhook: { url: null, events: [] } });
    assert.equal(reset4.instanceWebhook, null);
    assert.deepEqual(reset4.instanceEvents, []);
    assert.equal(await waapi.deleteInstance(4), undefined);
    const gone = await failure(waapi.getInstance(4));
    assert.equal(gone.kind, "not_found");
    assert.equal(gone.status, 404);
    assert.equal(gone.message, "Instance 4 was not found.");
  });
}

test("errors carry kind, status and what the kind needs", async () => {
  const fake = fakes.live;
  await reset(fake);
  const viewer = client(fake, VIEWER);
  const forbidden = await failure(viewer.createInstance());
  assert.equal(forbidden.kind, "forbidden");
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.permission, "create");
  assert.match(forbidden.message, /lacks the create permission/);
  assert.equal((await failure(viewer.deleteInstance(1))).permission, "delete");

  const unauthorized = await failure(client(fake, "wrong-token").listInstances());
  assert.equal(unauthorized.kind, "unauthorized");
  assert.equal(unauthorized.status, 401);

  const validation = await failure(client(fake).updateInstance(1, { webhook: { events: ["no_such_event"] } }));
  assert.equal(validation.kind, "validation");
  assert.equal(validation.status, 422);
  assert.deepEqual(Object.keys(validation.errors), ["webhook.events.0"]);
  assert.ok(Array.isArray(validation.errors["webhook.events.0"]));

  const notQr = await failure(client(fake).qrCode(1));
  assert.equal(notQr.kind, "api");
  assert.equal(notQr.status, 200);
  assert.match(notQr.message, /instance not in QR mode/);

  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", status: 429, headers: { "Retry-After": "7" } });
  const limited = await failure(client(fake, ADMIN, { maxRetries: 0 }).listInstances());
  assert.equal(limited.kind, "rate_limited");
  assert.equal(limited.retryAfter, 7);

  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", status: 500, body: "<html>oops</html>", content_type: "text/html" });
  const server = await failure(client(fake).listInstances());
  assert.equal(server.kind, "server");
  assert.equal(server.status, 500);

  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances/1", action: "invalid_json" });
  assert.equal((await failure(client(fake).getInstance(1))).kind, "decode");

  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", delay_ms: 2000 });
  const timeout = await failure(client(fake, ADMIN, { timeoutMs: 200, maxRetries: 0 }).listInstances());
  assert.equal(timeout.kind, "timeout");
  assert.equal(timeout.status, undefined);

  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", action: "drop" });
  assert.equal((await failure(client(fake, ADMIN, { maxRetries: 0 }).listInstances())).kind, "network");
  const refused = await failure(new pkg.WaapiClient(ADMIN, { baseUrl: "http://127.0.0.1:1/api/v1", maxRetries: 0 }).listInstances());
  assert.equal(refused.kind, "network");
});

test("bad input is refused before anything is sent", async () => {
  const fake = fakes.live;
  await reset(fake);
  const waapi = client(fake);
  for (const id of [0, -1, 1.5, NaN, Infinity, 2 ** 53, "abc", "1/../2", "1", undefined, null, 1n, {}]) {
    for (const call of [(x) => waapi.getInstance(x), (x) => waapi.deleteInstance(x), (x) => waapi.me(x)]) {
      const e = await failure(call(id));
      assert.equal(e.kind, "invalid_input", String(id));
      assert.equal(e.status, undefined);
    }
  }
  for (const update of [
    undefined,
    null,
    [],
    "name",
    {},
    { nmae: "typo" },
    { name: 5 },
    { name: "" },
    { webhook: "https://x.example" },
    { webhook: { url: "not a url" } },
    { webhook: { url: "ftp://x.example/hook" } },
    { webhook: { url: 5 } },
    { webhook: { events: "message" } },
    { webhook: { events: [1] } },
    { webhook: { events: ["Not An Event"] } },
    { webhook: { evnets: [] } },
  ]) {
    const e = await failure(waapi.updateInstance(1, update));
    assert.equal(e.kind, "invalid_input", JSON.stringify(update));
  }
  assert.equal((await failure(waapi.listInstances(5))).kind, "invalid_input");
  assert.deepEqual(await seen(fake), [], "nothing reached the server");

  for (const [token, options] of [
    ["", undefined],
    [undefined, undefined],
    [42, undefined],
    ["two words", undefined],
    [ADMIN, { baseUrl: "waapi.app/api/v1" }],
    [ADMIN, { baseURL: "https://waapi.app/api/v1" }],
    [ADMIN, { timeoutMs: 0 }],
    [ADMIN, { timeoutMs: 1.5 }],
    [ADMIN, { timeoutMs: "1000" }],
    [ADMIN, { maxRetries: -1 }],
    [ADMIN, { maxRetries: 11 }],
    [ADMIN, "options"],
  ]) {
    const e = thrown(() => new pkg.WaapiClient(token, options));
    assert.equal(e.kind, "invalid_input", `${token} ${JSON.stringify(options)}`);
  }
  assert.match(thrown(() => new pkg.WaapiClient(ADMIN, { retries: 1 })).message, /unknown key "retries"/);
});

test("the token appears in no error, field or stack", async () => {
  const fake = fakes.live;
  await reset(fake);
  await control(fake, "POST", "/__fake/faults", {
    path: "/api/v1/instances",
    status: 400,
    body: JSON.stringify({ status: "error", message: `token ${ADMIN} refused` }),
  });
  const echoed = await failure(client(fake).listInstances());
  assert.match(echoed.message, /\[redacted\]/);
  assert.ok(caught.length > 20, `${caught.length} errors seen`);
  for (const e of caught) {
    const everything = JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.stack);
    assert.ok(!everything.includes(ADMIN), everything);
    assert.ok(!everything.includes(VIEWER), everything);
  }
});

test("require() works too (Node's require of ES modules)", async () => {
  const out = execFileSync(
    process.execPath,
    ["-e", 'const { WaapiClient } = require("waapi-wasm"); console.log(typeof WaapiClient)'],
    { cwd: dir, stdio: ["ignore", "pipe", "pipe"] },
  ).toString();
  assert.equal(out.trim(), "function");
});
