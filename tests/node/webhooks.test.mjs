// parseWebhookEvent from the npm tarball, installed into a temp folder and imported by its name.
// Run through tests/with-fakes.sh (make test-node), like the other files here.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { installTarball, removeDir } from "./support.mjs";

let dir;
let pkg; // the installed package's exports

before(async () => ({ dir, pkg } = await installTarball("waapi-wasm-webhooks-")));
after(() => removeDir(dir));

// CONTRACT.md §5's samples (WaAPIapp/make-waapi), exactly as written there.
const MESSAGE = {
  event: "message",
  instanceId: 123,
  data: {
    message: {
      id: { _serialized: "false_4915112345678@c.us_3EB0ABCDEF", fromMe: false },
      body: "…",
      type: "chat",
      from: "4915112345678@c.us",
      to: "4915199999999@c.us",
      timestamp: 1788550000,
      hasMedia: false,
    },
  },
};
const ACK = {
  event: "message_ack",
  instanceId: 123,
  data: { ack: 3, message: { id: { _serialized: "true_…" }, to: "4915112345678@c.us" } },
};
const READY = { event: "ready", instanceId: 123, data: { status: "ready" } };

const TYPED = {
  message: "message",
  message_create: "message",
  message_ack: "message",
  message_revoke_me: "message",
  message_revoke_everyone: "after",
  message_reaction: "reaction",
  group_join: "notification",
  group_leave: "notification",
  group_update: "notification",
  vote_update: "vote",
  call: "call",
  ready: "",
  qr: "",
  disconnected: "",
  change_state: "",
};
const UNTYPED = [
  "loading_screen",
  "authenticated",
  "auth_failure",
  "message_edit",
  "media_uploaded",
  "community_created",
  "community_updated",
  "community_subgroup_linked",
  "community_subgroup_unlinked",
  "community_deactivated",
  "presence_update",
];

/** The WaapiError parseWebhookEvent throws for `body`. */
const refusal = (body) => {
  try {
    pkg.parseWebhookEvent(body);
  } catch (e) {
    assert.ok(e instanceof Error, "an Error");
    assert.ok(pkg.isWaapiError(e));
    assert.equal(e.name, "WaapiError");
    assert.equal(e.kind, "invalid_input");
    assert.equal(e.status, undefined);
    return e.message;
  }
  assert.fail(`accepted ${JSON.stringify(body)}`);
};

test("the contract's samples come back as sent, from text or from an object", () => {
  for (const sample of [MESSAGE, ACK, READY]) {
    assert.deepEqual(pkg.parseWebhookEvent(JSON.stringify(sample)), sample);
    const parsed = pkg.parseWebhookEvent(sample);
    assert.deepEqual(parsed, sample);
    assert.notEqual(parsed, sample, "a new object, the input untouched");
  }
  const e = pkg.parseWebhookEvent(JSON.stringify(MESSAGE));
  assert.equal(e.data.message.body, "…");
  assert.equal(e.data.message.id._serialized, "false_4915112345678@c.us_3EB0ABCDEF");
});

test("every one of the 26 event names", () => {
  assert.equal(Object.keys(TYPED).length + UNTYPED.length, 26);
  for (const [event, subject] of Object.entries(TYPED)) {
    // Typed events always have data, and the object the event is about.
    const want = { event, instanceId: 7, data: subject ? { [subject]: {} } : {} };
    assert.deepEqual(pkg.parseWebhookEvent({ event, instanceId: 7 }), want, event);
    assert.deepEqual(pkg.parseWebhookEvent({ event, instanceId: "7", data: [] }), want, event);
  }
  for (const event of UNTYPED) {
    assert.deepEqual(pkg.parseWebhookEvent(`{"event":"${event}","instanceId":7}`), { event, instanceId: 7 });
    assert.deepEqual(pkg.parseWebhookEvent({ event, instanceId: 7, data: null }), { event, instanceId: 7 });
    assert.deepEqual(pkg.parseWebhookEvent({ event, instanceId: 7, data: [] }), { event, instanceId: 7, data: {} });
    assert.deepEqual(pkg.parseWebhookEvent({ event, instanceId: 7, data: [1, "a"] }), {
      event,
      instanceId: 7,
      data: [1, "a"],
    });
  }
});

test("instanceId as a number or a numeric string; unknown events and members are kept", () => {
  for (const [id, want] of [
    [1, 1],
    ["1", 1],
    [" 42 ", 42],
    [Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
    [String(Number.MAX_SAFE_INTEGER), Number.MAX_SAFE_INTEGER],
  ]) {
    const e = pkg.parseWebhookEvent({ event: "ready", instanceId: id });
    assert.equal(e.instanceId, want);
    assert.equal(typeof e.instanceId, "number");
  }
  const body = {
    sentAt: "2026-12-02T14:50:04Z",
    event: "brand_new_event",
    instanceId: "9",
    data: { deep: [{ x: null }, 1.5e3, "é\u0001\"😀"] },
  };
  assert.deepEqual(pkg.parseWebhookEvent(JSON.stringify(body)), { ...body, instanceId: 9 });
  const reaction = {
    event: "message_reaction",
    instanceId: 1,
    data: {
      reaction: { reaction: "👍", msgId: { _serialized: "false_1@c.us_A", self: "in" }, read: true, ack: 0 },
      acknowledged: true,
    },
    signature: null,
  };
  assert.deepEqual(pkg.parseWebhookEvent(reaction), reaction);
  // Leaves are as sent, even of an unexpected type.
  const odd = { event: "message", instanceId: 1, data: { message: { body: 5, timestamp: "1788550000", _data: {} } } };
  assert.deepEqual(pkg.parseWebhookEvent(odd), odd);
});

test("malformed bodies throw WaapiError invalid_input with a clear message", () => {
  const cycle = { event: "ready", instanceId: 1 };
  cycle.self = cycle;
  for (const [body, says] of [
    ["", /not JSON/],
    ["{", /not JSON/],
    ["<html></html>", /not JSON/],
    ["[]", /not a JSON object/],
    ["null", /not a JSON object/],
    [[], /not a JSON object/],
    [new Date(0), /not a JSON object/],
    [42, /JSON text or the object/],
    [null, /JSON text or the object/],
    [undefined, /JSON text or the object/],
    [true, /JSON text or the object/],
    [() => {}, /JSON text or the object/],
    [{ instanceId: 1 }, /"event"/],
    [{ event: "", instanceId: 1 }, /"event"/],
    [{ event: 1, instanceId: 1 }, /"event"/],
    [{ event: "ready" }, /"instanceId"/],
    [{ event: "ready", instanceId: 0 }, /"instanceId"/],
    [{ event: "ready", instanceId: -3 }, /"instanceId"/],
    [{ event: "ready", instanceId: 1.5 }, /"instanceId"/],
    [{ event: "ready", instanceId: NaN }, /"instanceId"/],
    [{ event: "ready", instanceId: 2 ** 53 }, /"instanceId"/],
    [{ event: "ready", instanceId: "abc" }, /"instanceId"/],
    [{ event: "ready", instanceId: 1n }, /BigInt/],
    [cycle, /cycle/],
    [{ event: "message", instanceId: 1, data: "hi" }, /"data" of a "message" webhook must be an object/],
    [{ event: "message", instanceId: 1, data: { message: 3 } }, /"data.message" of a "message" webhook/],
  ]) {
    assert.match(refusal(body), says, String(body));
  }
});

test("every entry of the package exports parseWebhookEvent", async () => {
  const installed = join(dir, "node_modules", "waapi-wasm");
  for (const entry of ["node.js", "workerd.js", "browser.js", "web.js", "index.d.ts"]) {
    const text = readFileSync(join(installed, entry), "utf8");
    // From the wasm's glue, or (JS entries) from actions.js, which wraps it.
    assert.match(text, /export ?\{[^}]*\bparseWebhookEvent\b[^}]*\} ?from ?"\.\/(waapi_wasm|actions)\.js"/, entry);
  }
  // `waapi-wasm/web` runs in Node too once initialised with the wasm's bytes.
  const web = await import(pathToFileURL(join(installed, "web.js")));
  web.initSync({ module: readFileSync(join(installed, "waapi_wasm_bg.wasm")) });
  assert.deepEqual(web.parseWebhookEvent('{"event":"qr","instanceId":"3","data":{"qr":"2@x"}}'), {
    event: "qr",
    instanceId: 3,
    data: { qr: "2@x" },
  });
});
