// The client actions of the npm tarball (installed into a temp folder and imported by its name),
// against both fakes. Run through tests/with-fakes.sh (make test-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ADMIN, VIEWER, control, fakes, installTarball, removeDir, reset, root, seen } from "./support.mjs";

const catalogue = JSON.parse(readFileSync(join(root, "api/actions.json"), "utf8")).actions;
const camel = (name) => name.replace(/-([a-z0-9])/g, (_, c) => c.toUpperCase());
const byName = new Map(catalogue.map((a) => [a.action, a]));

// The seed of instance 1 (fake-waapi/README.md).
const CHAT = "4915112345678@c.us";
const SEED_MESSAGE = "false_4915112345678@c.us_3EB0SEED0001";
const ACTION = "/api/v1/instances/1/client/action/";

let dir;
let pkg; // the installed package's exports
const caught = []; // every error the suite saw, to scan for the token at the end

before(async () => ({ dir, pkg } = await installTarball("waapi-wasm-actions-")));
after(() => removeDir(dir));

const fault = (fake, spec) => control(fake, "POST", "/__fake/faults", spec);
const sentMessages = (fake, id = 1) => control(fake, "GET", `/__fake/instances/${id}/messages`);
const client = (fake, token = ADMIN, options = {}) =>
  new pkg.WaapiClient(token, { baseUrl: `${fake}/api/v1`, ...options });

/** Awaits a rejection and hands back the WaapiError, checking its shape. */
const failure = async (promise, label = "") => {
  try {
    await promise;
  } catch (e) {
    caught.push(e);
    assert.ok(e instanceof Error, `an Error ${label}`);
    assert.equal(e.name, "WaapiError", label);
    assert.ok(pkg.isWaapiError(e), label);
    assert.equal(typeof e.message, "string", label);
    assert.ok(e.message.length > 0, label);
    return e;
  }
  assert.fail(`expected a rejection ${label}`);
};

/** Asserts the logged request is one POST of `action` with exactly `body`, as the client sends it. */
const assertSent = (request, action, body, token = ADMIN) => {
  assert.equal(request.method, "POST");
  assert.equal(request.path, ACTION + action);
  assert.equal(request.query, null);
  assert.equal(request.body, body);
  assert.equal(request.headers.authorization, `Bearer ${token}`);
  assert.equal(request.headers.accept, "application/json");
  assert.equal(request.headers["content-type"], "application/json");
};

// The methods of WaapiClient that are not actions.
const NOT_ACTIONS = [
  "constructor",
  "__destroy_into_raw",
  "free",
  "_runAction",
  "_instance",
  "action",
  "listInstances",
  "getInstance",
  "createInstance",
  "updateInstance",
  "deleteInstance",
  "clientStatus",
  "qrCode",
  "me",
];

test("every catalogued action is a method, and no other", async () => {
  assert.equal(catalogue.length, 122);
  const proto = pkg.WaapiClient.prototype;
  for (const { action } of catalogue) {
    assert.equal(typeof proto[camel(action)], "function", `${camel(action)} (${action})`);
  }
  // WaapiClient (npm/actions.js) extends the wasm's class: the names of both prototypes.
  const names = [...Object.getOwnPropertyNames(proto), ...Object.getOwnPropertyNames(Object.getPrototypeOf(proto))];
  const methods = [...new Set(names)].filter((n) => !NOT_ACTIONS.includes(n)).sort();
  assert.deepEqual(methods, catalogue.map((a) => camel(a.action)).sort());
  for (const n of NOT_ACTIONS) assert.ok(names.includes(n), n);

  // The declarations list the same methods.
  const dts = readFileSync(join(dir, "node_modules/waapi-wasm/waapi_wasm.d.ts"), "utf8");
  const start = dts.indexOf("export interface WaapiActions {");
  assert.ok(start > 0, "WaapiActions is declared");
  const body = dts.slice(start, dts.indexOf("\n}\n", start));
  const declared = [...body.matchAll(/^ {4}(\w+)\(instanceId: number, params(\??): ([\w<>, ]+?)(?: \| undefined)?, options\?: CallOptions\): Promise</gm)];
  assert.deepEqual(declared.map((m) => m[1]).sort(), methods);
  for (const [, method, optional] of declared) {
    const action = catalogue.find((a) => camel(a.action) === method);
    // params may be left out exactly when nothing is required.
    assert.equal(optional === "?", !action.params.some((p) => p.required), method);
  }
  assert.match(dts, /export interface WaapiClient extends WaapiActions \{\}/);

  // Each method runs its own action: an unknown key is refused naming that action, unsent.
  await reset(fakes.live);
  const waapi = client(fakes.live);
  for (const { action } of catalogue) {
    const e = await failure(waapi[camel(action)](1, { zzUnknown: 1 }), action);
    assert.equal(e.kind, "invalid_input", action);
    assert.ok(e.message.startsWith(`${action} takes no parameter "zzUnknown"`), `${action}: ${e.message}`);
  }
  assert.deepEqual(await seen(fakes.live), []);
});

for (const [mode, fake] of Object.entries(fakes)) {
  test(`sendMessage sends exactly its parameters, and the message shows in the chat (${mode} envelopes)`, async () => {
    await reset(fake);
    const waapi = client(fake);
    const text = `Grüße "${mode}" \\ 😀\nline 2`;
    const sent = await waapi.sendMessage(1, { chatId: CHAT, message: text });
    assert.equal(typeof sent, "object");
    assert.equal(typeof sent._data, "object");
    assert.equal(sent._data.body, text);
    assert.equal(sent._data.type, "chat");
    assert.equal(sent._data.id.fromMe, true);
    const id = sent._data.id._serialized;
    assert.match(id, /^true_4915112345678@c\.us_3EB0[0-9A-F]{16}$/);

    const log = await seen(fake);
    assert.equal(log.length, 1, JSON.stringify(log));
    assertSent(log[0], "send-message", JSON.stringify({ chatId: CHAT, message: text }));
    const stored = await sentMessages(fake);
    assert.deepEqual(
      stored.map((m) => [m.id, m.chatId, m.message, m.request]),
      [[id, CHAT, text, { chatId: CHAT, message: text }]],
    );

    const chats = await waapi.getChats(1);
    assert.ok(Array.isArray(chats));
    const chat = chats.find((c) => c.id?._serialized === CHAT);
    assert.ok(chat, "the chat is listed");
    assert.equal(chat.lastMessage.id._serialized, id);
    assert.equal(chat.lastMessage.body, text);

    const messages = await waapi.fetchMessages(1, { chatId: CHAT });
    assert.ok(Array.isArray(messages));
    const ids = messages.map((m) => m.message.id._serialized);
    assert.ok(ids.includes(SEED_MESSAGE), "the seed message is still there");
    assert.equal(ids.at(-1), id, "the new message is the newest");
    assert.equal(messages.at(-1).message.body, text);
    assert.equal(ids.filter((x) => x === id).length, 1);

    const [, chatsReq, fetchReq] = await seen(fake);
    assertSent(chatsReq, "get-chats", "{}");
    assertSent(fetchReq, "fetch-messages", JSON.stringify({ chatId: CHAT }));
  });
}

test("undefined optional parameters are left out; no parameters send {}", async () => {
  const fake = fakes.live;
  await reset(fake);
  const waapi = client(fake);
  await waapi.sendMessage(1, {
    chatId: CHAT,
    message: "undefined stays home",
    mentions: undefined,
    replyToMessageId: undefined,
    previewLink: undefined,
    firedandforget: undefined,
  });
  await waapi.sendMessage(1, { chatId: CHAT, message: "kept", previewLink: false, replyToMessageId: SEED_MESSAGE });
  const contacts = await waapi.getContacts(1);
  assert.ok(Array.isArray(contacts) && contacts.length >= 2);
  assert.ok(contacts.some((c) => c.name === "Erika Mustermann"));
  const chats = await waapi.getChats(1);
  assert.ok(Array.isArray(chats) && chats.length > 0);
  assert.ok(Array.isArray(await waapi.getChats(1, undefined)));
  assert.ok(Array.isArray(await waapi.getChats(1, {})));
  const one = await waapi.fetchMessages(1, { chatId: CHAT, limit: 1, offset: undefined, fromMe: undefined });
  assert.equal(one.length, 1);

  const bodies = (await seen(fake)).map((r) => [r.path.slice(ACTION.length), r.body]);
  assert.deepEqual(bodies, [
    ["send-message", JSON.stringify({ chatId: CHAT, message: "undefined stays home" })],
    ["send-message", JSON.stringify({ chatId: CHAT, message: "kept", previewLink: false, replyToMessageId: SEED_MESSAGE })],
    ["get-contacts", "{}"],
    ["get-chats", "{}"],
    ["get-chats", "{}"],
    ["get-chats", "{}"],
    ["fetch-messages", JSON.stringify({ chatId: CHAT, limit: 1 })],
  ]);
});

test("bad input is refused, naming the parameter, before anything is sent", async () => {
  const fake = fakes.live;
  await reset(fake);
  const waapi = client(fake);
  const refused = async (promise, pattern, label) => {
    const e = await failure(promise, label);
    assert.equal(e.kind, "invalid_input", `${label}: ${e.message}`);
    assert.equal(e.status, undefined, label);
    assert.match(e.message, pattern, label);
    return e;
  };

  await refused(waapi.sendMessage(1, { chatId: CHAT }), /"message" is required/, "missing message");
  await refused(waapi.sendMessage(1, { message: "x" }), /"chatId" is required/, "missing chatId");
  await refused(waapi.sendMessage(1, { chatId: CHAT, message: undefined }), /"message" is required/, "undefined required");
  await refused(waapi.sendMessage(1), /"chatId" is required/, "no params at all");
  await refused(waapi.sendMessage(1, { chatId: CHAT, message: null }), /"message" must be a string/, "null required");
  await refused(waapi.sendMessage(1, { chatId: 4915112345678, message: "x" }), /"chatId" must be a string/, "number for string");
  await refused(
    waapi.sendMessage(1, { chatId: CHAT, message: "x", previewLink: "true" }),
    /"previewLink" must be true or false/,
    "string for boolean",
  );
  await refused(waapi.getChats(1, { limit: 1.5 }), /"limit" must be a whole number/, "float for integer");
  await refused(waapi.getChats(1, { limit: "10" }), /"limit" must be a whole number/, "string for integer");
  await refused(waapi.getLabelById(1, { labelId: 1.5 }), /"labelId" must be a whole number/, "float labelId");
  await refused(
    waapi.sendLocation(1, { chatId: CHAT, latitude: "52.5", longitude: 13.4 }),
    /"latitude" must be a number/,
    "string for number",
  );
  await refused(
    waapi.sendMessage(1, { chatId: CHAT, message: "x", mentions: [1] }),
    /"mentions" must be an array of strings/,
    "array items",
  );
  await refused(
    waapi.sendMessage(1, { chatId: CHAT, message: "x", mentions: CHAT }),
    /"mentions" must be an array/,
    "string for array",
  );
  await refused(waapi.sendVcard(1, { chatId: CHAT, vCard: [] }), /"vCard" must be an object/, "array for object");
  await refused(
    waapi.sendEvent(1, { chatId: CHAT, name: "Lunch", startTime: 1.5 }),
    /"startTime" must be a whole number or a string/,
    "float for integer|string",
  );
  const typo = await refused(
    waapi.sendMessage(1, { chatID: CHAT, message: "x" }),
    /send-message takes no parameter "chatID"/,
    "unknown key",
  );
  assert.match(typo.message, /Did you mean "chatId"\?/);
  await refused(waapi.getChats(1, { limit: 1, page: 2 }), /takes no parameter "page"/, "unknown key on optional-only");
  await refused(waapi.getContacts(1, { chatId: CHAT }), /takes no parameter "chatId"/, "any key on a no-param action");

  const plainObject = /must be a plain object/;
  for (const [label, params] of [
    ["array", [CHAT, "x"]],
    ["string", "hello"],
    ["number", 5],
    ["null", null],
    ["Date", new Date()],
    ["Map", new Map([["chatId", CHAT], ["message", "x"]])],
    ["class instance", new (class Params { constructor() { this.chatId = CHAT; this.message = "x"; } })()],
  ]) {
    await refused(waapi.sendMessage(1, params), plainObject, `sendMessage ${label}`);
    await refused(waapi.getChats(1, params), plainObject, `getChats ${label}`);
  }
  await refused(waapi.getChats(1, { limit: 10n }), /cannot be sent as JSON \(a BigInt/, "BigInt");
  await refused(waapi.sendMessage(1, { chatId: CHAT, message: "x", mentions: [1n] }), /BigInt/, "nested BigInt");
  const cycle = { chatId: CHAT, message: "x" };
  cycle.self = cycle;
  await refused(waapi.sendMessage(1, cycle), /cannot be sent as JSON/, "cycle");

  for (const id of [0, -1, 1.5, "1", NaN, undefined, null, 1n]) {
    await refused(waapi.getChats(id), /instance id must be a positive whole number/, `getChats id ${String(id)}`);
    await refused(
      waapi.sendMessage(id, { chatId: CHAT, message: "x" }),
      /instance id must be a positive whole number/,
      `sendMessage id ${String(id)}`,
    );
    await refused(waapi.action(id, "get-chats"), /instance id must be a positive whole number/, `action id ${String(id)}`);
  }

  // Every parameter of every action: left out when required, or of the wrong JSON type.
  const valid = { string: CHAT, integer: 1, number: 1.5, boolean: true, array: [], object: {} };
  const wrong = { string: 5, integer: 1.5, number: "1", boolean: "true", array: "x", object: [] };
  const validOf = (schema) => (Array.isArray(schema.type) ? 1 : valid[schema.type]);
  const wrongOf = (schema) => (Array.isArray(schema.type) ? true : wrong[schema.type]);
  let checked = 0;
  for (const { action, params } of catalogue) {
    const method = camel(action);
    const base = Object.fromEntries(params.filter((p) => p.required).map((p) => [p.name, validOf(p.schema)]));
    for (const p of params) {
      if (p.required) {
        const { [p.name]: _, ...without } = base;
        await refused(waapi[method](1, without), new RegExp(`^${action}: "${p.name}" is required`), `${action} without ${p.name}`);
        checked++;
      }
      if (p.schema.type !== undefined) {
        await refused(
          waapi[method](1, { ...base, [p.name]: wrongOf(p.schema) }),
          new RegExp(`^${action}: "${p.name}" must be`),
          `${action} with a wrong ${p.name}`,
        );
        checked++;
      }
    }
  }
  assert.ok(checked > 300, `${checked} parameter checks`);

  assert.deepEqual(await seen(fake), [], "nothing reached the server");
  assert.deepEqual(await sentMessages(fake), []);
});

for (const [mode, fake] of Object.entries(fakes)) {
  test(`WaAPI's errors become WaapiErrors of the right kind (${mode} envelopes)`, async () => {
    await reset(fake);
    const waapi = client(fake);

    const bogus = await failure(waapi.sendMessage(1, { chatId: "bogus", message: "x" }));
    assert.equal(bogus.kind, "api");
    assert.equal(bogus.status, 200);
    assert.ok(bogus.message.includes("incorrect chatId format."), bogus.message);
    assert.ok(bogus.message.includes("send-message"), bogus.message);
    const notFound = await failure(waapi.getMessageById(1, { messageId: "true_4915112345678@c.us_3EB0NOPE" }));
    assert.equal(notFound.kind, "api");
    assert.match(notFound.message, /Message not found\./);

    const notReady = await failure(waapi.sendMessage(2, { chatId: CHAT, message: "x" }));
    assert.equal(notReady.kind, "api");
    assert.equal(notReady.status, 200);
    assert.match(notReady.message, /not ready/);
    assert.equal((await failure(waapi.getChats(2))).kind, "api");

    await fault(fake, {
      path: "/api/v1/instances/1/client/action/*",
      status: 409,
      body: JSON.stringify({ status: "error", message: "Instance is not ready.", instanceId: "1" }),
    });
    const conflict = await failure(waapi.getChats(1));
    assert.equal(conflict.kind, "not_ready");
    assert.equal(conflict.status, 409);
    assert.match(conflict.message, /must be ready/);
    assert.match(conflict.message, /Instance 1\b/);

    const invalid = await failure(waapi.action(1, "send-message", { chatId: CHAT }));
    assert.equal(invalid.kind, "validation");
    assert.equal(invalid.status, 422);
    assert.deepEqual(invalid.errors, { message: ["The message field is required."] });
    assert.match(invalid.message, /The message field is required\./);

    const log = await seen(fake);
    assert.equal(log.length, 6, JSON.stringify(log.map((r) => r.path)));
    assertSent(log.at(-1), "send-message", JSON.stringify({ chatId: CHAT }));
    assert.deepEqual(await sentMessages(fake), [], "nothing was stored");
  });
}

test("read-only actions are retried, the others never sent twice", async () => {
  const fake = fakes.live;
  const path = "/api/v1/instances/1/client/action/*";
  const waapi = client(fake, ADMIN, { maxRetries: 2 });

  await reset(fake);
  await fault(fake, { path, status: 503, times: 1 });
  const chats = await waapi.getChats(1, { limit: 5 });
  assert.ok(Array.isArray(chats) && chats.length > 0);
  const retried = await seen(fake);
  assert.equal(retried.length, 2);
  for (const r of retried) assertSent(r, "get-chats", '{"limit":5}');

  await reset(fake);
  await fault(fake, { path, status: 503, times: 1 });
  const once = await failure(waapi.sendMessage(1, { chatId: CHAT, message: "only once" }));
  assert.equal(once.kind, "server");
  assert.equal(once.status, 503);
  await new Promise((r) => setTimeout(r, 300)); // a retry would have come by now
  const sent = await seen(fake);
  assert.equal(sent.length, 1);
  assertSent(sent[0], "send-message", JSON.stringify({ chatId: CHAT, message: "only once" }));
  // The fault is used up: the next call goes through, and the message is stored once.
  await waapi.sendMessage(1, { chatId: CHAT, message: "only once" });
  assert.equal((await sentMessages(fake)).length, 1);

  // The escape hatch follows the same rule, by the action's name.
  await reset(fake);
  await fault(fake, { path, status: 503, times: 1 });
  assert.ok(Array.isArray(await waapi.action(1, "get-chats")));
  assert.equal((await seen(fake)).length, 2);
  await reset(fake);
  await fault(fake, { path, status: 503, times: 1 });
  assert.equal((await failure(waapi.action(1, "send-message", { chatId: CHAT, message: "x" }))).kind, "server");
  assert.equal((await seen(fake)).length, 1);

  // maxRetries bounds it.
  await reset(fake);
  await fault(fake, { path, status: 503, times: 1 });
  assert.equal((await failure(client(fake, ADMIN, { maxRetries: 0 }).getChats(1))).kind, "server");
  assert.equal((await seen(fake)).length, 1);
});

for (const [mode, fake] of Object.entries(fakes)) {
  test(`action() runs any action by its name (${mode} envelopes)`, async () => {
    await reset(fake);
    const waapi = client(fake);
    const chat = await waapi.action(1, "get-chat-by-id", { chatId: CHAT });
    assert.equal(chat.id._serialized, CHAT);
    assert.equal(chat.isGroup, false);
    assert.equal(chat.status, undefined, "the payload, not the envelope");
    assert.deepEqual(chat, await waapi.getChatById(1, { chatId: CHAT }));
    assert.ok(Array.isArray(await waapi.action(1, "get-chats")));
    const [byId, typed, chats] = await seen(fake);
    assertSent(byId, "get-chat-by-id", JSON.stringify({ chatId: CHAT }));
    assertSent(typed, "get-chat-by-id", JSON.stringify({ chatId: CHAT }));
    assertSent(chats, "get-chats", "{}");

    await reset(fake);
    for (const name of ["Bad Name", "", "send_message", "Send-Message", "get-chats/../x", "get-chats?x=1", 5, undefined]) {
      const e = await failure(waapi.action(1, name), String(name));
      assert.equal(e.kind, "invalid_input", String(name));
    }
    for (const params of [[], "x", null, new Map(), new Date(), { a: 1n }]) {
      assert.equal((await failure(waapi.action(1, "get-chats", params))).kind, "invalid_input", String(params));
    }
    assert.deepEqual(await seen(fake), [], "nothing was sent");

    const unknown = await failure(waapi.action(1, "no-such-action", { x: 1 }));
    assert.equal(unknown.kind, "not_found");
    assert.equal(unknown.status, 404);
    const log = await seen(fake);
    assert.equal(log.length, 1);
    assertSent(log[0], "no-such-action", '{"x":1}');
  });
}

test("a 404 for an unknown action does not say the instance is missing", async () => {
  await reset(fakes.live);
  const unknown = await failure(client(fakes.live).action(1, "no-such-action"));
  assert.equal(unknown.kind, "not_found");
  assert.doesNotMatch(unknown.message, /Instance 1 was not found/);
  assert.match(unknown.message, /no-such-action/);
});

test("a read-only token may read but not act", async () => {
  const fake = fakes.live;
  await reset(fake);
  const viewer = client(fake, VIEWER);
  const chats = await viewer.getChats(1);
  assert.ok(Array.isArray(chats) && chats.length > 0);
  assert.equal(await viewer.isRegisteredUser(1, { contactId: CHAT }), true);
  assert.ok(Array.isArray(await viewer.fetchMessages(1, { chatId: CHAT })));

  const forbidden = await failure(viewer.sendMessage(1, { chatId: CHAT, message: "x" }));
  assert.equal(forbidden.kind, "forbidden");
  assert.equal(forbidden.status, 403);
  assert.equal(forbidden.permission, "update");
  assert.match(forbidden.message, /update permission/);
  const hatch = await failure(viewer.action(1, "archive-chat", { chatId: CHAT }));
  assert.equal(hatch.kind, "forbidden");
  assert.equal(hatch.permission, "update");
  assert.deepEqual(await sentMessages(fake), []);
  for (const r of await seen(fake)) assert.equal(r.headers.authorization, `Bearer ${VIEWER}`);
});

test("the token appears in no error, field or stack", async () => {
  const fake = fakes.live;
  await reset(fake);
  const waapi = client(fake);
  // WaAPI echoing the token back, in-band and in a 422, is redacted.
  const echoed = await failure(waapi.action(1, "get-chat-by-id", { chatId: ADMIN }));
  assert.equal(echoed.kind, "api");
  assert.match(echoed.message, /\[redacted\]/);
  await fault(fake, {
    path: "/api/v1/instances/1/client/action/*",
    status: 200,
    body: JSON.stringify({ status: "success", data: { status: "error", message: `bad token ${ADMIN}`, instanceId: "1" } }),
  });
  assert.match((await failure(waapi.getChats(1))).message, /bad token \[redacted\]/);
  await fault(fake, {
    path: "/api/v1/instances/1/client/action/*",
    status: 422,
    body: JSON.stringify({ message: "invalid", errors: { chatId: [`Bearer ${ADMIN}`] }, status: "error" }),
  });
  const validation = await failure(waapi.getChats(1));
  assert.deepEqual(validation.errors, { chatId: ["Bearer [redacted]"] });

  assert.ok(caught.length > 500, `${caught.length} errors seen`);
  for (const e of caught) {
    const everything = JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.stack) + String(e);
    assert.ok(!everything.includes(ADMIN), everything);
  }
});

test("the token given as a parameter name is not echoed either", async () => {
  await reset(fakes.live);
  const e = await failure(client(fakes.live).getChats(1, { [ADMIN]: 1 }));
  caught.pop(); // kept out of the scan above whatever the order
  assert.equal(e.kind, "invalid_input");
  assert.ok(!(e.message + e.stack).includes(ADMIN), e.message);
});
