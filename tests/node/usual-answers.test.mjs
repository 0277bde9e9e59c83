// The two readers of instance and action answers (issue 11) hold to the same results:
// `readInstances` and `readAction` in src/call.js, which read the usual answer with one JSON.parse,
// and the crate's decoder, which reads everything else and words every error. Each generated
// answer is read as sent, and again with one member that sends it to the crate (`"zz":"\ud800"`
// at the top level, a lone surrogate in a member both readers ignore): the values, or the
// errors, must be the same. JSON.parse is watched, so the test knows which reader read what and
// fails if either is never taken. Then the real path: the fake's list.
// Run through tests/with-fakes.sh (make test-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { ADMIN, control, fakes, installTarball, removeDir, reset } from "./support.mjs";

let dir;
let pkg;
before(async () => ({ dir, pkg } = await installTarball("waapi-wasm-usual-")));
after(() => removeDir(dir));

// Every JSON.parse during a call, in order.
const parsed = [];
const realParse = JSON.parse;
JSON.parse = function (text, reviver) {
  parsed.push(text);
  return realParse.call(this, text, reviver);
};
after(() => (JSON.parse = realParse));

/** A small deterministic PRNG (xorshift32), so a failure reproduces from its case number. */
function rng(seed) {
  let x = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) >>> 0 || 1; // spread small seeds
  const next = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
  for (let i = 0; i < 8; i++) next();
  return { pick: (a) => a[Math.floor(next() * a.length)], chance: (p) => next() < p };
}

const MISSING = Symbol("missing");
const POOLS = {
  id: [1, 2, 7, 42, 9007199254740991, 9007199254740992, 0, -1, "7", "007", " 7", "", "x", "0x10", "1e3", "7.0", "99999999999999999999", null, true, [], {}, MISSING],
  name: ["Shop", "", "é😀\n\"\\ \u2028", null, MISSING, 5, [], {}],
  owner: ["a@example.com", "", "日本", MISSING, null, 3],
  webhook_url: ["https://h.example/w?a=1,2", null, MISSING, 1, false],
  webhook_events: [
    ["message", "ready"], [], [["message"], ["qr", ["ready"]]], ["brand_new_event"], null, MISSING, "message", [1], [null], {},
    // Nested past the crate's 128 levels (it refuses the answer), and just within them.
    JSON.parse("[".repeat(130) + '"qr"' + "]".repeat(130)), JSON.parse("[".repeat(110) + '"qr"' + "]".repeat(110)),
  ],
  is_trial: [0, 1, true, false, "0", "1", "true", "false", null, MISSING, 2, "yes", []],
};
// Usual values first, so most instances are usual and the fast reader has work.
const USUAL = { id: 3, name: "Support", owner: "b@example.com", webhook_url: null, webhook_events: ["message"], is_trial: 0 };

function instance(r) {
  const v = {};
  for (const [key, pool] of Object.entries(POOLS)) {
    const value = r.chance(0.85) ? USUAL[key] : r.pick(pool);
    if (value !== MISSING) v[key] = value;
  }
  if (r.chance(0.2)) v.extra = { deep: [1, { x: null }], n: 12 };
  return v;
}

/** An answer's text: mostly `{"instances":[…],"status":"success"}`, with the contract's quirks and worse. */
function answer(r, one) {
  const items = Array.from({ length: r.pick([0, 1, 1, 2, 3, 5]) }, () => instance(r));
  const root = {};
  const key = r.pick(["instances", "instances", "instance", "data"]);
  root[key] = one && r.chance(0.5) ? items[0] ?? {} : r.chance(0.9) ? items : items[0] ?? null;
  if (r.chance(0.1)) root[r.pick(["instance", "data"])] = r.pick([null, [], {}, "x"]);
  if (r.chance(0.9)) root.status = r.chance(0.9) ? "success" : r.pick(["error", "ERROR", "Error", "ok", 5]);
  if (r.chance(0.05)) root.message = "Instance not found";
  // An error where the list should be, shaped like an instance otherwise.
  if (r.chance(0.05)) root[key] = { ...USUAL, status: r.pick(["error", "Error"]), message: "nested" };
  let text = JSON.stringify(root);
  // What JSON.stringify never writes, but WaAPI's text could hold.
  const edits = [
    [/"is_trial":1\b/, '"is_trial":1.0'],
    [/"is_trial":0\b/, '"is_trial":-0'],
    [/"id":3\b/, '"id":3e0'],
    [/"id":3\b/, '"id" : 3 '],
    [/"id":3\b/, '"id" : 3.0'],
    [/"id":3\b/, '"\\u0069d":3.0'],
    [/"is_trial":0\b/, '"is\\u005ftrial":1e0'],
    [/"owner":"b@example.com"/, '"owner":"b\\u0040example.com"'],
    [/"webhook_events":\["message"\]/, '"webhook_events":["mess\\u0061ge"]'],
    [/"name":"Support"/, '"name":"\\ud800"'],
    [/"name":"Support"/, '"name":"\\ud83d\\ude00\\u00e9"'],
    [/"owner":"b@example.com"/, '"owner":"b@example.com","owner":7'],
    [/"owner":"b@example.com"/, '"owner":7,"owner":"c@example.com"'],
    [/^\{/, '{"status":"error",'],
    [/^/, " \n"],
    [/$/, "x"],
    [/^.*$/s, r.pick(["", "null", "[]", '"instances"', "{}", "not json", "{\"instances\":[]", '{"a":' + "[".repeat(130) + "]".repeat(130) + "}"])],
  ];
  for (const [from, to] of edits) if (r.chance(0.05)) text = text.replace(from, to);
  return text;
}

/** Any JSON value, as text, with what WaAPI's text could hold and JSON.stringify never writes. */
function value(r, depth = 0) {
  const leaf = r.pick(['"x"', '""', "0", "-0", "3.0", "3e0", "1E400", "-12.5e-3", "9007199254740993", "true", "false", "null",
    '"\\u00e9\\n"', '"\\ud83d\\ude00"', '"\\ud800"', '"\\/"', '"é😀"', '"success"', '"error"']);
  if (depth > 4 || r.chance(0.45)) return leaf;
  if (r.chance(0.4)) return `[${Array.from({ length: r.pick([0, 1, 2, 3]) }, () => value(r, depth + 1)).join(",")}]`;
  const keys = ["id", "status", "data", "message", "__proto__", "status", "chatId", "é"];
  return `{${Array.from({ length: r.pick([0, 1, 2, 3, 4]) }, () => `${JSON.stringify(r.pick(keys))} : ${value(r, depth + 1)}`).join(",")}}`;
}

/** An action's answer: the live service's nested envelope, the spec's flat one, in-band errors, worse. */
function actionAnswer(r) {
  const status = () => JSON.stringify(r.chance(0.8) ? "success" : r.pick(["error", "ERROR", "Success", "ok", "", 5, null]));
  const members = [];
  if (r.chance(0.9)) members.push(`"status":${status()}`);
  if (r.chance(0.3)) members.push(`"instanceId":${r.pick(['"1"', "1"])}`);
  if (r.chance(0.9)) {
    const inner = [];
    if (r.chance(0.9)) inner.push(`"status":${status()}`);
    if (r.chance(0.5)) inner.push('"instanceId":"1"');
    if (r.chance(0.85)) inner.push(`"data":${value(r)}`);
    if (r.chance(0.1)) inner.push('"message":"incorrect chatId format."');
    members.push(`"data":${r.chance(0.7) ? `{${inner.join(",")}}` : value(r)}`);
  }
  if (r.chance(0.2)) members.push(`"links":{"self":"u"}`);
  if (r.chance(0.1)) members.push(`"data":${value(r)}`); // a second `data`: the last counts
  if (r.chance(0.05)) members.push(`"message":"Instance is not ready."`);
  let text = `{${members.join(",")}}`;
  if (r.chance(0.05)) text = r.pick(["", " ", "null", "[]", '"x"', "{", "not json", `{"data":${"[".repeat(130)}${"]".repeat(130)}}`]);
  if (r.chance(0.05)) text = ` \n${text}\n`;
  return text;
}

const CALLS = {
  listInstances: (waapi) => waapi.listInstances(),
  getInstance: (waapi) => waapi.getInstance(3),
  action: (waapi) => waapi.action(3, "get-chat-by-id", { chatId: "1@c.us" }),
};

/** `call` on a client whose fetch answers `text`: the value or the error, and which reader read it. */
async function read(text, call) {
  const fetch = async () => new Response(text, { status: 200, headers: { "content-type": "application/json" } });
  const waapi = new pkg.WaapiClient(ADMIN, { baseUrl: "http://127.0.0.1:9/api/v1", fetch, maxRetries: 0 });
  parsed.length = 0;
  try {
    const value = await CALLS[call](waapi);
    // The fast reader parses WaAPI's text and nothing else; the crate hands over its own text.
    return { value, fast: parsed.length === 1 && parsed[0] === text };
  } catch (e) {
    return { error: { name: e.name, kind: e.kind, status: e.status, message: e.message }, fast: false };
  } finally {
    waapi.free();
  }
}

/**
 * Reads each generated answer as sent, then marked so that it goes to the crate, and compares.
 * `pick(n)` gives case n's call and text; `deep` says whether a text holds the nesting past the
 * crate's 128 levels that JSON.parse reads (the one difference left, see src/call.js).
 */
async function readAlike(cases, pick, deep = () => false) {
  const took = { fast: 0, crate: 0, errors: 0 };
  for (let n = 0; n < cases; n++) {
    const { call, text } = pick(n);
    const t = text.trim();
    const a = await read(text, call);
    took[a.fast ? "fast" : "crate"]++;
    if (a.error) took.errors++;
    if (!(t.startsWith("{") && t.endsWith("}"))) {
      assert.equal(a.fast, false, `case ${n}: ${text}`);
      continue;
    }
    // The marker goes before the last "}", so an error's byte offset stays the same.
    const end = text.lastIndexOf("}");
    const sent = `${text.slice(0, end)}${t.slice(1, -1).trim() ? "," : ""}"zz":"\\ud800"${text.slice(end)}`;
    const b = await read(sent, call);
    assert.equal(b.fast, false, `case ${n}: the marked answer went to the fast reader`);
    const { fast, ...got } = a;
    const { fast: _, ...want } = b;
    if (deep(text)) {
      assert.deepEqual([a.fast, b.error?.kind], [true, "decode"], `case ${n}`);
      continue;
    }
    assert.deepEqual(got, want, `case ${n} (${call}): ${text}`);
  }
  return took;
}

test("the fast reader and the crate read every generated instance answer alike", async () => {
  const took = await readAlike(4000, (n) => {
    const one = n % 2 === 1;
    return { call: one ? "getInstance" : "listInstances", text: answer(rng(n + 1), one) };
  });
  // Both readers did real work: neither branch is dead.
  assert.ok(took.fast > 1000 && took.crate > 1000 && took.errors > 500, JSON.stringify(took));
});

test("the fast reader and the crate read every generated action answer alike", async () => {
  const took = await readAlike(
    4000,
    (n) => ({ call: "action", text: actionAnswer(rng(n + 100_000)) }),
    (text) => text.includes("[".repeat(130)),
  );
  assert.ok(took.fast > 1000 && took.crate > 1000 && took.errors > 300, JSON.stringify(took));
});

test("the fake's list of 1 000 instances is read once, by JSON.parse, and typed", async () => {
  const fake = fakes.live;
  await reset(fake);
  await control(fake, "POST", "/__fake/seed", { count: 1000 });
  const waapi = new pkg.WaapiClient(ADMIN, { baseUrl: `${fake}/api/v1` });
  parsed.length = 0;
  const list = await waapi.listInstances();
  assert.equal(parsed.length, 1, "one JSON.parse for the whole answer");
  assert.equal(list.length, 1000);
  for (const i of list) {
    assert.deepEqual(Object.keys(i), ["id", "name", "owner", "webhook_url", "webhook_events", "is_trial"]);
    assert.ok(Number.isSafeInteger(i.id) && i.id > 0 && typeof i.is_trial === "boolean" && Array.isArray(i.webhook_events));
  }
  waapi.free();
  await reset(fake);
});
