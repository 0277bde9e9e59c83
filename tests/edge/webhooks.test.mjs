// The webhook receiver, the events API and stream (Durable Objects in real workerd through
// wrangler dev), and the client actions forwarded with scoped keys, against fake-waapi.
// Run through tests/with-fakes.sh (make test-edge). Prints the events per second the receiver
// stores under 32 concurrent posters and the delay from a webhook to its arrival on a stream.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const FAKE = process.env.FAKE_LIVE_URL;
const TOKEN = process.env.FAKE_ADMIN_TOKEN;
assert.ok(FAKE && TOKEN, "run through tests/with-fakes.sh");

const SECRET = `whs_${crypto.randomUUID().replaceAll("-", "")}`;
const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
const writer = newEdgeKey("update"); // no read
const editor = newEdgeKey("read,update");
const KEEP_ALIVE_MS = 1000; // 15 s by default; shorter here so a test sees one
const edges = [];
const answers = []; // every response of the suite: scanned for the token and the secret
let edge;
let persistTo;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** Starts an edge; `secret: null` starts one without WEBHOOK_SECRET. */
const start = async ({ port, secret = SECRET, persist } = {}) => {
  const e = await startEdge({
    port: port ?? (await freePort()),
    baseUrl: `${FAKE}/api/v1`,
    token: TOKEN,
    edgeKeys: [admin, viewer, writer, editor].map((k) => k.entry).join(";"),
    webhookSecret: secret ?? undefined,
    persistTo: persist,
    // Instances' webhooks point at this edge's own receiver, on 127.0.0.1.
    vars: { EVENTS_KEEP_ALIVE_MS: String(KEEP_ALIVE_MS), EDGE_ALLOW_PRIVATE_WEBHOOKS: "true" },
  });
  edges.push(e);
  return e;
};

before(async () => {
  const port = await freePort();
  persistTo = `${root}.tmp/webhooks-test-${port}`;
  edge = await start({ port, persist: persistTo });
  console.log(`# wrangler dev with the Durable Object ready in ${edge.readyMs} ms`);
});

after(async () => {
  for (const e of edges) await e.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

const record = async (res) => {
  const text = await res.text();
  const answer = { status: res.status, headers: res.headers, text };
  answers.push(answer);
  try {
    answer.json = JSON.parse(text);
  } catch {}
  return answer;
};
/** Calls the edge's API; answers { status, headers, text, json }. */
const call = async (path, { key = admin.key, method = "GET", body, headers = {}, on = edge } = {}) => {
  const h = { ...headers };
  if (key) h.authorization = `Bearer ${key}`;
  return record(await fetch(on.url + path, { method, body, headers: h }));
};
/** Posts a webhook (an object is sent as JSON) to the receiver. */
const hook = async (body, { secret = SECRET, on = edge, headers = {} } = {}) =>
  record(
    await fetch(`${on.url}/webhooks/waapi/${secret}`, {
      method: "POST",
      body: typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body),
      headers: { "content-type": "application/json", ...headers },
    }),
  );
/** Every stored event of an instance, paged through with `next`. */
const allEvents = async (id) => {
  const events = [];
  for (let after = 0; ; ) {
    const page = await call(`/api/v1/instances/${id}/events?after=${after}&limit=500`, { key: viewer.key });
    assert.equal(page.status, 200, page.text);
    events.push(...page.json.events);
    if (page.json.events.length === 0) return events;
    after = page.json.next;
  }
};
const control = async (method, path, body) => {
  const res = await fetch(FAKE + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
};
const fault = (spec) => control("POST", "/__fake/faults", spec);
const upstream = async () => (await control("GET", "/__fake/requests")).filter((r) => r.method !== "OPTIONS");

/**
 * Opens the event stream of instance `id` and parses it as it arrives: `events` (id and
 * parsed data), `comments`. `until(n)` waits for n events (failing after 20 s).
 */
const openStream = async (id, { key = viewer.key, after, lastEventId } = {}) => {
  const aborter = new AbortController();
  const headers = { authorization: `Bearer ${key}` };
  if (lastEventId !== undefined) headers["last-event-id"] = String(lastEventId);
  const query = after === undefined ? "" : `?after=${after}`;
  const res = await fetch(`${edge.url}/api/v1/instances/${id}/events/stream${query}`, { headers, signal: aborter.signal });
  const stream = { res, events: [], comments: [], arrivals: [], close: () => aborter.abort() };
  if (res.status !== 200) {
    stream.answer = await record(res);
    return stream;
  }
  (async () => {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of res.body) {
      buffer += decoder.decode(chunk, { stream: true });
      for (let end; (end = buffer.indexOf("\n\n")) >= 0; ) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        if (block.startsWith(":")) {
          stream.comments.push(block);
          continue;
        }
        const fields = Object.fromEntries(block.split("\n").map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 2)]));
        stream.events.push({ id: Number(fields.id), data: JSON.parse(fields.data) });
        stream.arrivals.push(performance.now());
      }
    }
  })().catch(() => {});
  stream.until = async (n) => {
    for (let i = 0; i < 400 && stream.events.length < n; i++) await sleep(50);
    assert.ok(stream.events.length >= n, `${stream.events.length} of ${n} events arrived`);
    return stream.events;
  };
  return stream;
};

test("a wrong, missing or unset secret gets exactly what an unknown path gets", async () => {
  const unknown = await record(await fetch(`${edge.url}/no-such-page`));
  assert.equal(unknown.status, 404);
  const same = (a) => {
    assert.equal(a.status, 404);
    assert.equal(a.text, unknown.text);
    const names = (h) => [...h].filter(([n]) => n !== "date").map(([n, v]) => `${n}: ${v}`);
    assert.deepEqual(names(a.headers), names(unknown.headers));
  };
  const body = { event: "message", instanceId: 1 };
  for (const secret of ["wrong", SECRET.slice(0, -1), `${SECRET}x`, SECRET.toUpperCase(), "", `${SECRET}/x`]) {
    same(await hook(body, { secret }));
  }
  for (const path of ["/webhooks/waapi", "/webhooks", `/webhooks/other/${SECRET}`]) {
    same(await record(await fetch(edge.url + path, { method: "POST", body: JSON.stringify(body) })));
  }
  // The right secret with another method is an unknown path too.
  same(await record(await fetch(`${edge.url}/webhooks/waapi/${SECRET}`)));

  const off = await start({ secret: null });
  const offUnknown = await record(await fetch(`${off.url}/no-such-page`));
  const refused = await hook(body, { on: off });
  assert.equal(refused.status, 404);
  assert.equal(refused.text, offUnknown.text);
  for (let i = 0; i < 50 && !off.output().includes("receiver is off"); i++) await sleep(100);
  assert.match(off.output(), /waapi-edge: the webhook receiver is off: WEBHOOK_SECRET is not set\./);
  assert.deepEqual((await allEvents(1)).length, 0, "nothing was stored");
});

test("malformed webhooks are 400 with a reason", async () => {
  const cases = [
    ["", /not JSON/],
    ["not json", /not JSON/],
    ["[]", /JSON object/],
    ['"message"', /JSON object/],
    [{ instanceId: 1 }, /"event"/],
    [{ event: "", instanceId: 1 }, /"event"/],
    [{ event: 5, instanceId: 1 }, /"event"/],
    [{ event: "message" }, /"instanceId"/],
    [{ event: "message", instanceId: 0 }, /"instanceId"/],
    [{ event: "message", instanceId: -1 }, /"instanceId"/],
    [{ event: "message", instanceId: 1.5 }, /"instanceId"/],
    [{ event: "message", instanceId: "x" }, /"instanceId"/],
    [{ event: "message", instanceId: 2 ** 53 }, /"instanceId"/],
    [{ event: "message", instanceId: null }, /"instanceId"/],
    [new Uint8Array([0xff, 0x7b, 0x7d]), /not UTF-8/],
    [`{"event":"m","instanceId":1,"data":${"[".repeat(1000)}${"]".repeat(1000)}}`, /not JSON/],
  ];
  for (const [body, reason] of cases) {
    const r = await hook(body);
    assert.equal(r.status, 400, `${JSON.stringify(body).slice(0, 60)} -> ${r.status} ${r.text}`);
    assert.equal(r.json.status, "error");
    assert.match(r.json.message, reason);
  }
  assert.equal((await allEvents(1)).length, 0, "nothing was stored");
});

test("bodies over 256 KiB are 413, counted as read whatever Content-Length says", async () => {
  const LIMIT = 256 * 1024;
  const head = '{"event":"big","instanceId":40,"data":"';
  const sized = (bytes) => `${head}${"x".repeat(bytes - head.length - 2)}"}`;
  assert.equal((await hook(sized(LIMIT))).status, 204, "exactly 256 KiB is stored");
  const over = await hook(sized(LIMIT + 1));
  assert.equal(over.status, 413, over.text);
  assert.match(over.json.message, /larger than 262144 bytes/);

  // No Content-Length at all (chunked): the edge counts while it reads and stops early.
  const chunked = (total) =>
    new ReadableStream({
      start(c) {
        const text = new TextEncoder().encode(sized(total));
        for (let at = 0; at < text.length; at += 16 * 1024) c.enqueue(text.slice(at, at + 16 * 1024));
        c.close();
      },
    });
  const send = async (total) =>
    record(await fetch(`${edge.url}/webhooks/waapi/${SECRET}`, { method: "POST", body: chunked(total), duplex: "half" }));
  const streamed = await send(LIMIT + 1);
  assert.equal(streamed.status, 413, streamed.text);
  // Past the limit nothing is kept; up to 1 MiB more is read and dropped so the 413 arrives
  // on a connection in order.
  assert.equal((await send(4 * LIMIT)).status, 413);
  const within = await send(LIMIT);
  assert.equal(within.status, 204, `a chunked body within the limit is stored: ${within.text}`);
  const stored = await allEvents(40);
  assert.equal(stored.length, 2);
  assert.ok(stored.every((e) => e.event === "big" && e.data.length === LIMIT - head.length - 2));
});

test("a body far over the limit is cut off unread", async () => {
  // Beyond 1 MiB past the limit the edge stops reading, and a Content-Length that large is
  // refused before reading: a client still sending may see the connection closed instead of
  // the 413. wrangler dev's proxy may then fail or stall the next request on its connection to
  // workerd, so this runs on an edge of its own, stopped afterwards.
  const cut = await start({ secret: "cut-off-test-secret-0123" });
  const body = `{"event":"big","instanceId":47,"data":"${"x".repeat(4 * 1024 * 1024)}"}`;
  const url = `${cut.url}/webhooks/waapi/cut-off-test-secret-0123`;
  const declared = await fetch(url, { method: "POST", body }).catch((e) => e);
  assert.ok(declared.status === 413 || declared instanceof TypeError, String(declared.status ?? declared));
  const chunks = new ReadableStream({
    start(c) {
      const bytes = new TextEncoder().encode(body);
      for (let at = 0; at < bytes.length; at += 64 * 1024) c.enqueue(bytes.slice(at, at + 64 * 1024));
      c.close();
    },
  });
  const streamed = await fetch(url, { method: "POST", body: chunks, duplex: "half" }).catch((e) => e);
  assert.ok(streamed.status === 413 || streamed instanceof TypeError, String(streamed.status ?? streamed));
  await cut.stop();
});

test("events are stored in order with strictly increasing seq, in the documented shape", async () => {
  const before = Date.now();
  await hook({ event: "ready", instanceId: "41", data: { status: "ready" }, extra: "dropped" });
  for (let n = 0; n < 30; n++) assert.equal((await hook({ event: "message", instanceId: 41, data: { n } })).status, 204);
  await hook({ event: "authenticated", instanceId: 41 });
  const events = await allEvents(41);
  assert.deepEqual(events.map((e) => e.seq), Array.from({ length: 32 }, (_, i) => i + 1));
  assert.deepEqual(events.slice(1, 31).map((e) => e.data.n), Array.from({ length: 30 }, (_, i) => i));
  assert.deepEqual(Object.keys(events[0]), ["seq", "receivedAt", "event", "instanceId", "data"]);
  assert.equal(events[0].instanceId, 41, "a numeric string is stored as a number");
  assert.deepEqual(events[0].data, { status: "ready" });
  assert.deepEqual(Object.keys(events[31]), ["seq", "receivedAt", "event", "instanceId"], "no data, no member");
  const t = Date.parse(events[0].receivedAt);
  assert.match(events[0].receivedAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.ok(t >= before - 1000 && t <= Date.now() + 1000, events[0].receivedAt);
  assert.equal((await allEvents(42)).length, 0, "each instance has its own events");
});

test("an instance keeps its last 1000 events; seq is never reused", async () => {
  const id = 43;
  let n = 0;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (n < 1005) {
        const i = ++n;
        assert.equal((await hook({ event: "message", instanceId: id, data: { i } })).status, 204);
      }
    }),
  );
  let events = await allEvents(id);
  assert.equal(events.length, 1000);
  assert.equal(events[0].seq, 6, "the oldest five were dropped");
  assert.equal(events.at(-1).seq, 1005);
  assert.deepEqual(new Set(events.map((e) => e.data.i)).size, 1000);
  await hook({ event: "message", instanceId: id });
  events = await allEvents(id);
  assert.deepEqual([events.length, events[0].seq, events.at(-1).seq], [1000, 7, 1006]);
});

test("32 concurrent posters, 5000 events into 8 instances: each stored once, in seq order, each poster's order kept", async () => {
  const POSTERS = 32;
  const TOTAL = 5000;
  const instances = Array.from({ length: 8 }, (_, i) => 100 + i);
  const failures = [];
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: POSTERS }, async (_, p) => {
      const count = Math.floor(TOTAL / POSTERS) + (p < TOTAL % POSTERS ? 1 : 0);
      const instanceId = instances[p % instances.length];
      for (let n = 0; n < count; n++) {
        const r = await hook({ event: "message", instanceId, data: { p, n } });
        if (r.status !== 204) failures.push(`${p}/${n}: ${r.status} ${r.text}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(`# receiver: ${TOTAL} events from ${POSTERS} concurrent posters into ${instances.length} instances in ${seconds.toFixed(2)} s = ${Math.round(TOTAL / seconds)} events/s stored`);
  assert.deepEqual(failures, []);
  let stored = 0;
  for (const id of instances) {
    const events = await allEvents(id);
    stored += events.length;
    assert.deepEqual(events.map((e) => e.seq), Array.from({ length: events.length }, (_, i) => i + 1), `instance ${id}: seq 1..n`);
    const seen = new Set();
    const last = new Map();
    for (const { data: { p, n } } of events) {
      assert.equal(instances[p % instances.length], id);
      assert.ok(!seen.has(`${p}/${n}`), `${p}/${n} twice`);
      seen.add(`${p}/${n}`);
      assert.equal(n, (last.get(p) ?? -1) + 1, `poster ${p}: ${n} after ${last.get(p)}`);
      last.set(p, n);
    }
  }
  assert.equal(stored, TOTAL, "every event stored exactly once");
});

test("the events API: keys, limit, after, next", async () => {
  const id = 43; // 1000 events, seq 7..1006 (test above)
  const path = `/api/v1/instances/${id}/events`;
  const none = await call(path, { key: null });
  assert.equal(none.status, 401);
  assert.equal(none.headers.get("www-authenticate"), 'Bearer realm="waapi-edge"');
  const noRead = await call(path, { key: writer.key });
  assert.equal(noRead.status, 403);
  assert.match(noRead.json.message, /lacks the read permission/);

  const first = await call(path, { key: viewer.key });
  assert.equal(first.status, 200);
  assert.equal(first.headers.get("cache-control"), "no-store");
  assert.equal(first.json.events.length, 100, "limit defaults to 100");
  assert.deepEqual([first.json.events[0].seq, first.json.next], [7, 106]);
  const max = await call(`${path}?limit=500&after=${first.json.next}`);
  assert.deepEqual([max.json.events.length, max.json.events[0].seq, max.json.next], [500, 107, 606]);
  const tail = await call(`${path}?after=1000&limit=50`);
  assert.deepEqual(tail.json.events.map((e) => e.seq), [1001, 1002, 1003, 1004, 1005, 1006]);
  assert.equal(tail.json.next, 1006);
  const empty = await call(`${path}?after=1006`);
  assert.deepEqual(empty.json, { events: [], next: 1006 }, "next stays at after when nothing is newer");
  assert.deepEqual((await call(`/api/v1/instances/999/events`)).json, { events: [], next: 0 });

  for (const q of ["limit=0", "limit=501", "limit=x", "limit=", "after=-1", "after=x", "after=1.5", "after=1&after=2", "since=1"]) {
    const r = await call(`${path}?${q}`);
    assert.equal(r.status, 400, `${q} -> ${r.status}`);
    assert.equal(r.json.status, "error");
  }
  assert.equal((await call(`/api/v1/instances/0/events`)).status, 400);
  assert.equal((await call(path, { method: "POST" })).status, 405);
});

test("the stream: backlog then live, Last-Event-ID resumes, nothing twice, keep-alive comments", async () => {
  const id = 44;
  for (let n = 1; n <= 3; n++) await hook({ event: "message", instanceId: id, data: { n } });
  const s = await openStream(id);
  assert.equal(s.res.status, 200);
  assert.equal(s.res.headers.get("content-type"), "text/event-stream");
  assert.equal(s.res.headers.get("cache-control"), "no-store");
  await s.until(3);
  // Posted after the stream opened: it must come through wrangler dev unbuffered.
  const delays = [];
  for (let n = 4; n <= 23; n++) {
    const sent = performance.now();
    await hook({ event: "message", instanceId: id, data: { n } });
    await s.until(n);
    delays.push(s.arrivals[n - 1] - sent);
  }
  delays.sort((a, b) => a - b);
  console.log(`# stream: webhook POST to its arrival on an open stream, median of 20: ${delays[10].toFixed(1)} ms (max ${delays.at(-1).toFixed(1)} ms)`);
  const listed = await allEvents(id);
  assert.deepEqual(s.events.map((e) => e.data), listed, "the stream carries the events exactly as listed");
  assert.deepEqual(s.events.map((e) => e.id), listed.map((e) => e.seq), "the SSE id is the seq");

  for (let i = 0; i < 40 && s.comments.length === 0; i++) await sleep(100);
  assert.ok(s.comments.includes(": keep-alive"), `keep-alive comments: ${JSON.stringify(s.comments)}`);
  s.close();

  const resumed = await openStream(id, { lastEventId: 20 });
  await resumed.until(3);
  await hook({ event: "message", instanceId: id, data: { n: 24 } });
  await resumed.until(4);
  await sleep(300);
  assert.deepEqual(resumed.events.map((e) => e.id), [21, 22, 23, 24], "from Last-Event-ID on, each once");
  resumed.close();

  const query = await openStream(id, { after: 22 });
  await query.until(2);
  assert.deepEqual(query.events.map((e) => e.id), [23, 24]);
  const later = await openStream(id, { after: 10, lastEventId: 23 });
  await later.until(1);
  assert.deepEqual(later.events.map((e) => e.id), [24], "the later of after and Last-Event-ID wins");
  query.close();
  later.close();

  assert.equal((await openStream(id, { key: writer.key })).res.status, 403);
  assert.equal((await openStream(id, { key: "wek_nope" })).res.status, 401);
  const keyInUrl = await record(await fetch(`${edge.url}/api/v1/instances/${id}/events/stream?key=${viewer.key}`));
  assert.equal(keyInUrl.status, 401, "a key in the URL is not a key");
  assert.equal((await openStream(id, { lastEventId: "x" })).res.status, 400);
  assert.equal((await openStream(id, { after: "x" })).res.status, 400);
});

test("at most 64 open streams per instance; a closed one is cleaned up", async () => {
  const id = 45;
  const open = [];
  for (let i = 0; i < 64; i++) {
    const s = await openStream(id);
    assert.equal(s.res.status, 200, `stream ${i + 1}`);
    open.push(s);
  }
  const refused = await openStream(id);
  assert.equal(refused.res.status, 429);
  assert.match(refused.answer.json.message, /64 open event streams/);
  assert.equal(refused.answer.headers.get("retry-after"), "5");
  assert.equal((await openStream(46)).res.status, 200, "another instance has its own streams");

  // Every open stream still gets live events.
  await hook({ event: "message", instanceId: id });
  for (const s of open) await s.until(1);

  open.pop().close();
  const closedAt = performance.now();
  let again;
  for (let i = 0; i < 100; i++) {
    again = await openStream(id);
    if (again.res.status === 200) break;
    await sleep(100);
  }
  assert.equal(again.res.status, 200, "the closed stream's place is free again");
  console.log(`# stream: a closed client's place was free again after ${Math.round(performance.now() - closedAt)} ms`);
  open.push(again);
  for (const s of open) s.close();
});

test("client actions: scoped keys, the package's checks, WaAPI's answers passed on", async () => {
  await control("POST", "/__fake/reset");
  const action = (name, body, key = admin.key, id = 1) =>
    call(`/api/v1/instances/${id}/client/action/${name}`, { method: "POST", key, body: body === undefined ? undefined : JSON.stringify(body) });

  const chats = await action("get-chats", {}, viewer.key);
  assert.equal(chats.status, 200, chats.text);
  const direct = await fetch(`${FAKE}/api/v1/instances/1/client/action/get-chats`, {
    method: "POST", body: "{}", headers: { authorization: `Bearer ${TOKEN}`, "content-type": "application/json" },
  });
  const expected = await direct.json();
  if (expected.links) {
    assert.equal(chats.json.links.self, "/api/v1/instances/1/client/action/get-chats", "links.self is the edge's, relative");
    expected.links.self = chats.json.links.self;
  }
  assert.deepEqual(chats.json, expected, "WaAPI's body, passed on");

  const message = { chatId: "4915112345678@c.us", message: "Hello from the edge" };
  const denied = await action("send-message", message, viewer.key);
  assert.equal(denied.status, 403);
  assert.match(denied.json.message, /lacks the update permission/);
  assert.equal((await action("get-chats", {}, writer.key)).status, 403, "get-* needs read");
  assert.equal((await action("get-chats", {}, null)).status, 401);

  await control("DELETE", "/__fake/requests");
  for (const [body, reason] of [
    [{ chatId: "4915112345678@c.us" }, /send-message: "message" is required \(a string\)/],
    [{ chatID: "4915112345678@c.us", message: "m" }, /Did you mean "chatId"\?/],
    [{ chatId: 5, message: "m" }, /"chatId" must be a string/],
    [[], /must be an object/],
  ]) {
    const r = await action("send-message", body, editor.key);
    assert.equal(r.status, 400, r.text);
    assert.match(r.json.message, reason);
  }
  const notJson = await call("/api/v1/instances/1/client/action/send-message", { method: "POST", body: "{", key: editor.key });
  assert.equal(notJson.status, 400);
  const unknown = await action("send-messages", message);
  assert.equal(unknown.status, 404);
  assert.match(unknown.json.message, /"send-messages" is not a WaAPI client action/);
  assert.equal((await action("Send_Message", message)).status, 404);
  assert.equal((await call("/api/v1/instances/1/client/action/send-message", { key: editor.key })).status, 405);
  const big = await action("send-message", { ...message, message: "x".repeat(1024 * 1024) }, editor.key);
  assert.equal(big.status, 413);
  assert.deepEqual(await upstream(), [], "refused before anything went upstream");

  const sent = await action("send-message", message, editor.key);
  assert.equal(sent.status, 200, sent.text);
  const seen = await upstream();
  assert.equal(seen.length, 1);
  assert.equal(seen[0].path, "/api/v1/instances/1/client/action/send-message");
  assert.equal(seen[0].headers.authorization, `Bearer ${TOKEN}`);
  assert.deepEqual(JSON.parse(seen[0].body), message, "the body as the package would send it");
  const messages = await control("GET", "/__fake/instances/1/messages");
  assert.ok(JSON.stringify(messages).includes("Hello from the edge"), JSON.stringify(messages));
  const sentId = sent.json.data?.data?._data?.id?._serialized ?? sent.json.data?._data?.id?._serialized;
  assert.match(sentId, /^true_4915112345678@c\.us_/);

  // Instance 2 is not ready: WaAPI answers 200 with status "error", passed on as it came.
  const notReady = await action("send-message", message, editor.key, 2);
  assert.equal(notReady.status, 200, notReady.text);
  assert.equal(notReady.headers.get("x-edge-upstream-status"), "200");
  assert.deepEqual([notReady.json.status, notReady.json.message], ["error", "Instance is not ready."]);
  await fault({ path: "/api/v1/instances/1/client/action/send-message", status: 503, times: 1 });
  const down = await action("send-message", message, editor.key);
  assert.equal(down.status, 503, down.text);
  assert.equal(down.headers.get("x-edge-upstream-status"), "503");
  assert.equal((await upstream()).filter((r) => r.path.endsWith("/send-message")).length, 3, "a send is never retried");
  const missing = await action("get-chats", {}, viewer.key, 77);
  assert.equal(missing.status, 404);
  assert.equal(missing.headers.get("x-edge-upstream-status"), "404");
});

test("the webhook secret never leaves the edge: answers show it as [redacted], an update puts it back for the edge's own receiver only", async () => {
  const own = `${edge.url}/webhooks/waapi/${SECRET}`;
  const shown = `${edge.url}/webhooks/waapi/[redacted]`;
  const stored = async () => {
    const res = await fetch(`${FAKE}/api/v1/instances/2`, { headers: { authorization: `Bearer ${TOKEN}` } });
    return (await res.json()).instance.webhook_url;
  };
  const put = (url) =>
    call("/api/v1/instances/2", { method: "PUT", key: editor.key, body: JSON.stringify({ webhook: { url, events: ["message"] } }) });

  const set = await put(own);
  assert.equal(set.status, 200, set.text);
  assert.equal(await stored(), own, "WaAPI got the real receiver URL");
  for (const path of ["/api/v1/instances/2", "/api/v1/instances"]) {
    const read = await call(path, { key: viewer.key });
    assert.equal(read.status, 200, read.text);
    assert.ok(read.text.includes(shown), `${path} shows the receiver with the secret hidden: ${read.text.slice(0, 300)}`);
  }

  // What a dashboard saving a rename sends back: the shown URL. WaAPI keeps the real one.
  const again = await put(shown);
  assert.equal(again.status, 200, again.text);
  assert.equal(await stored(), own);

  // Anywhere else the placeholder stays as sent: the secret never goes to another host.
  const elsewhere = "https://hooks.example.com/webhooks/waapi/[redacted]";
  assert.equal((await put(elsewhere)).status, 200);
  assert.equal(await stored(), elsewhere);
});

test("events survive a restart on the same persist directory, and seq goes on", async () => {
  const port = Number(new URL(edge.url).port);
  const before = await allEvents(41);
  await edge.stop();
  edge = await start({ port, persist: persistTo });
  assert.deepEqual(await allEvents(41), before);
  await hook({ event: "message", instanceId: 41 });
  assert.equal((await allEvents(41)).at(-1).seq, before.at(-1).seq + 1);
});

test("the token and the webhook secret appear in no response; the secret in no line the worker logs", async () => {
  assert.ok(answers.length > 5000, `${answers.length} answers scanned`);
  for (const a of answers) {
    const everything = a.text + JSON.stringify([...a.headers]);
    for (const secret of [TOKEN, SECRET]) assert.ok(!everything.includes(secret), everything.slice(0, 300));
  }
  for (const e of edges) {
    const lines = e.output().split("\n");
    for (const line of lines) {
      assert.ok(!line.includes(TOKEN), "a log line holds the token");
      for (const key of [admin, viewer, writer, editor]) assert.ok(!line.includes(key.key), "a log line holds an edge key");
      // wrangler dev's access log names each request's path, the receiver's secret included
      // (the README says so); no other line may hold it.
      if (line.includes(SECRET)) assert.match(line, /^\[wrangler:info\] (GET|POST) \/webhooks\/\S+ \d{3} /, line);
    }
  }
});
