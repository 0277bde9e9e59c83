// The messages view end to end: the dashboard served by its own edge in workerd (webhook
// receiver, a Durable Object per instance, the event stream) in front of the live fake, which
// posts its webhooks to that edge. The test owns the edge so it can restart it on the same port
// with the same stored events. Run by `make test-e2e-edge` (tests/e2e/via-edge.mjs); skipped by
// `make test-e2e`, which builds no edge. Prints the time from an injected message to the page.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, beforeEach, describe, test } from "node:test";
import { startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";
import { FAKE, SCREENSHOTS, VIA_EDGE, control, eventually, freePort, openPage, startHarness } from "./harness.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const INSTANCE = 1; // "Support", ready in the fake's seed
const CUSTOMER = "4915187654321@c.us"; // a contact of Support (the instance itself is 4915112345678)
const WATCHED = ["message", "message_create", "message_ack", "ready", "disconnected"];
// What the browser itself logs while the edge is away or a stream is cut: expected here.
const DROPS = ["ERR_CONNECTION_REFUSED", "ERR_EMPTY_RESPONSE", "ERR_INCOMPLETE_CHUNKED_ENCODING", "ERR_CONNECTION_RESET"];

const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
const secret = randomBytes(24).toString("base64url");
const persistTo = join(root, ".tmp", `inbox-e2e-${process.pid}`);
let harness;
let port;
let edge;

const edgeOptions = () => ({
  port,
  baseUrl: `${FAKE}/api/v1`,
  token: process.env.FAKE_ADMIN_TOKEN,
  edgeKeys: `${admin.entry};${viewer.entry}`,
  webhookSecret: secret,
  persistTo,
  vars: { CACHE_TTL_MS: "0", IMG_SRC: "https://pps.example.com", EDGE_ALLOW_PRIVATE_WEBHOOKS: "true" },
});

describe("the messages view", { skip: !VIA_EDGE && "needs the edge: make test-e2e-edge runs it" }, () => {
  before(async () => {
    mkdirSync(persistTo, { recursive: true });
    port = await freePort();
    harness = await startHarness();
    edge = await startEdge(edgeOptions());
  });
  after(async () => {
    await edge?.stop();
    await harness?.stop();
    rmSync(persistTo, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await control("POST", "/__fake/reset");
    await setWebhook(INSTANCE, `${edge.url}/webhooks/waapi/${secret}`);
  });

  /** Runs `body` on a fresh page of the edge's dashboard; fails on console errors not in `allow`. */
  const scenario = (name, options, body) =>
    test(name, async () => {
      const { context, page, problems } = await openPage(harness.browser, options);
      try {
        await page.goto(`${edge.url}/`);
        await body({ page });
        assert.deepEqual(problems, [], "no console or page errors");
      } finally {
        await context.close();
      }
    });

  scenario("an injected inbound message appears without a reload, once, as text", {}, async ({ page }) => {
    const view = await openMessages(page);
    await page.evaluate(() => (window.notReloaded = true));
    const body = `Hello <img src=x> ${tag()}`;
    const injected = await inject(body);
    const item = view.getByRole("listitem").filter({ hasText: body });
    await item.waitFor();
    assert.equal(await item.getByText(`+${CUSTOMER.split("@")[0]}`).count(), 1, "the sender");
    assert.match(await item.locator("time").getAttribute("datetime"), /^\d{4}-\d\d-\d\dT/, "the time");
    assert.equal(await view.locator("#inbox-list img").count(), 0, "the body is text, not markup");
    // The fake posts `message`, then `message_create`, for the same message: both stored, shown once.
    await delivered((d) => d.event === "message_create" && d.body.data?.message?.id?._serialized === injected.id._serialized);
    await eventually(async () => assert.equal(await storedFor(injected.id._serialized), 2));
    await page.waitForTimeout(300);
    assert.equal(await item.count(), 1, "shown once");
    assert.equal(await page.evaluate(() => window.notReloaded), true);
    await shot(page, "inbox.png");
  });

  scenario("a reply goes to the clicked message's chat; its ticks follow the acks", {}, async ({ page }) => {
    const view = await openMessages(page);
    await recordTicks(page);
    const question = `Is my order shipped? ${tag()}`;
    await inject(question);
    await view.getByRole("button", { name: new RegExp(question.replace(/[?]/g, "\\?")) }).click();
    assert.equal(await view.getByLabel("To", { exact: true }).inputValue(), CUSTOMER, "clicking fills To");
    const answer = `Yes, it left today. ${tag()}`;
    await view.getByLabel("Message", { exact: true }).fill(answer);
    await view.getByRole("button", { name: "Send" }).click();

    const sent = view.getByRole("listitem").filter({ hasText: answer });
    await sent.waitFor();
    const requests = (await control("GET", "/__fake/requests")).filter((r) => r.method === "POST" && r.path.endsWith("/client/action/send-message"));
    assert.equal(requests.length, 1, "one send-message reached the fake");
    assert.deepEqual(JSON.parse(requests[0].body), { chatId: CUSTOMER, message: answer });
    const stored = (await control("GET", `/__fake/instances/${INSTANCE}/messages`)).filter((m) => m.action === "send-message");
    assert.deepEqual(stored.map((m) => [m.chatId, m.message]), [[CUSTOMER, answer]], "the fake sent it to the clicked chat");
    assert.equal(await view.getByLabel("Message", { exact: true }).inputValue(), "", "the field is cleared");

    await sent.getByText("Read").waitFor();
    const id = await sent.getAttribute("data-id");
    assert.equal(id, stored[0].id, "the page knows the message by the id send-message answered");
    const acks = (await webhooks()).filter((d) => d.event === "message_ack" && d.body.data.message.id._serialized === id).map((d) => d.body.data.ack);
    assert.deepEqual(acks, [1, 2, 3], "the fake acked it three times");
    // Every state drawn, in order: never back, and each of ✓, ✓✓ and Read shown once its ack came.
    const shown = await page.evaluate((id) => window.ticksSeen[id], id);
    assert.deepEqual(shown, [...shown].sort(), `ticks only go up (saw ${shown})`);
    assert.deepEqual([...new Set(shown.filter((a) => a > 0))], [1, 2, 3], `each ack shown in turn (saw ${shown})`);
    assert.equal(await sent.locator(".ticks").textContent(), "✓✓ Read");
    assert.equal(await view.getByRole("listitem").filter({ hasText: answer }).count(), 1, "the reply is shown once");
    await shot(page, "inbox-ticks.png");
  });

  scenario("a send-message answer that comes after the acks takes no tick back", {}, async ({ page }) => {
    const view = await openMessages(page);
    const text = `Answered late ${tag()}`;
    // The answer (ack 0) is held in the browser until the fake has delivered ack 3 to the edge.
    await page.route("**/client/action/send-message", async (route) => {
      const response = await route.fetch();
      await delivered((d) => d.event === "message_ack" && d.body.data.ack === 3 && d.body.data.message.body === text);
      await route.fulfill({ response });
    });
    await view.getByLabel("To", { exact: true }).fill(CUSTOMER);
    await view.getByLabel("Message", { exact: true }).fill(text);
    await view.getByRole("button", { name: "Send" }).click();
    const sent = view.getByRole("listitem").filter({ hasText: text });
    await sent.getByText("Read").waitFor();
    await view.getByRole("button", { name: "Send" }).waitFor(); // "Sending…" is over: the answer was drawn
    assert.equal(await sent.locator(".ticks").textContent(), "✓✓ Read");
    assert.equal(await sent.count(), 1);
  });

  scenario("the stream reconnects after the edge restarts, and shows nothing twice", { allow: DROPS }, async ({ page }) => {
    const streams = [];
    page.on("request", (r) => r.url().includes("/events/stream") && streams.push(new URL(r.url()).searchParams.get("after")));
    const view = await openMessages(page);
    const first = `Before the restart ${tag()}`;
    await inject(first);
    await view.getByRole("listitem").filter({ hasText: first }).waitFor();

    await edge.stop();
    await view.getByText(/Reconnecting/).waitFor();
    edge = await startEdge(edgeOptions());
    await view.getByText("Live: new messages appear as they arrive.").waitFor({ timeout: 60_000 });
    const second = `After the restart ${tag()}`;
    await inject(second);
    await view.getByRole("listitem").filter({ hasText: second }).waitFor();
    await page.waitForTimeout(300);
    for (const text of [first, second]) assert.equal(await view.getByRole("listitem").filter({ hasText: text }).count(), 1, text);
    const ids = await view.getByRole("listitem").evaluateAll((items) => items.map((li) => li.dataset.id));
    assert.equal(new Set(ids).size, ids.length, "no message twice");
    assert.equal(streams[0], "0", "history from the start");
    assert.ok(streams.length >= 2 && Number(streams.at(-1)) > 0, `reconnected from the last seq seen (after=${streams})`);
  });

  scenario("a read-only key reads but may not send, and is told why", {}, async ({ page }) => {
    const text = `For the viewer ${tag()}`;
    await inject(text);
    const view = await openMessages(page, viewer.key);
    await view.getByRole("listitem").filter({ hasText: text }).waitFor();
    const send = view.getByRole("button", { name: "Send" });
    assert.equal(await send.isDisabled(), true);
    const why = "This key may not send messages: it lacks the update permission.";
    assert.equal(await view.getByText(why).isVisible(), true, "the view says why");
    assert.equal(await send.getAttribute("aria-describedby"), "reply-note");
    await shot(page, "inbox-viewer.png");
  });

  scenario("a 403 from the edge on Send is shown as a sentence", { allow: [403] }, async ({ page }) => {
    // The page asked the edge what the key may do when it connected; here that answer claims
    // `update` (as if the key had lost it since), so the button is on and the edge refuses.
    await page.route("**/edge/v1/key", (route) => route.fulfill({ json: { permissions: ["read", "update"] } }));
    const view = await openMessages(page, viewer.key);
    await view.getByLabel("To", { exact: true }).fill(CUSTOMER);
    await view.getByLabel("Message", { exact: true }).fill("not allowed");
    await control("DELETE", "/__fake/requests");
    await view.getByRole("button", { name: "Send" }).click();
    const alert = view.getByRole("alert").filter({ hasText: /./ });
    assert.equal(await alert.textContent(), "This token cannot send messages: it lacks the update permission.");
    const sends = (await control("GET", "/__fake/requests")).filter((r) => r.path.endsWith("/send-message"));
    assert.deepEqual(sends, [], "nothing went upstream");
  });

  scenario("closing the view stops its stream", {}, async ({ page }) => {
    const failed = [];
    page.on("requestfailed", (r) => r.url().includes("/events/stream") && failed.push(r.failure()?.errorText));
    let opened = 0;
    page.on("request", (r) => r.url().includes("/events/stream") && opened++);
    const view = await openMessages(page);
    await view.getByRole("button", { name: "Close" }).click();
    await eventually(() => assert.deepEqual(failed, ["net::ERR_ABORTED"]));
    await inject(`After closing ${tag()}`);
    await page.waitForTimeout(2000);
    assert.equal(opened, 1, "no new stream after closing");
  });

  scenario("phone width: the messages view fills the screen without sideways scrolling", { viewport: { width: 390, height: 844 } }, async ({ page }) => {
    const view = await openMessages(page);
    const long = `A long message without spaces: ${"x".repeat(120)} ${tag()}`;
    await inject(long);
    await view.getByRole("listitem").filter({ hasText: long }).waitFor();
    const overflow = await view.evaluate((d) => [d.scrollWidth - d.clientWidth, document.getElementById("inbox-log").scrollWidth - document.getElementById("inbox-log").clientWidth]);
    assert.deepEqual(overflow, [0, 0], "the dialog and the message list fit their width");
    const box = await view.boundingBox();
    assert.equal(box.width, 390, "the view takes the whole width");
    await shot(page, "inbox-phone.png");
  });

  for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
    scenario(`a 100 000-letter message and sender never widen the messages view at ${viewport.width} px`, { viewport }, async ({ page }) => {
      const view = await openMessages(page);
      const body = `${"W".repeat(100_000)} ${tag()}`;
      await inject(body);
      // The edge takes webhooks up to 256 KiB, and the chat id is in one four times.
      const second = `From a long sender ${tag()}`;
      await hook({ chat: `${"4".repeat(20_000)}@c.us`, name: "N".repeat(100_000), body: second });
      await view.getByRole("listitem").filter({ hasText: body.slice(-8) }).waitFor();
      await view.getByRole("listitem").filter({ hasText: second }).waitFor();
      const wide = await page.evaluate(() => {
        const log = document.getElementById("inbox-log");
        const dialog = document.getElementById("inbox");
        return {
          page: document.scrollingElement.scrollWidth - innerWidth,
          dialog: Math.max(dialog.scrollWidth - dialog.clientWidth, Math.ceil(dialog.getBoundingClientRect().right) - innerWidth),
          messages: log.scrollWidth - log.clientWidth,
        };
      });
      console.log(`messages view at ${viewport.width} px: ${JSON.stringify(wide)} px wider than shown`);
      for (const [what, px] of Object.entries(wide)) assert.ok(px <= 0, `${what} is ${px} px too wide`);
      await shot(page, `inbox-long-${viewport.width}.png`);
    });
  }

  scenario("bidi controls in message bodies, senders and chat ids are shown as markers, never applied", {}, async ({ page }) => {
    const view = await openMessages(page);
    const chat = "4915187654321\u202E@c.us";
    const mark = tag();
    await hook({ chat, name: "Max \u202Egnp.exe\u202C", body: `pay \u202E1.2.3\u202C now \u2067x\u2069\u200F\u061C ${mark}` });
    const item = view.getByRole("listitem").filter({ hasText: mark });
    await item.waitFor();
    assert.equal(await item.locator(".who").textContent(), "Max ⟨U+202E⟩gnp.exe⟨U+202C⟩ (4915187654321⟨U+202E⟩@c.us)");
    assert.equal(await item.locator(".text").textContent(), `pay ⟨U+202E⟩1.2.3⟨U+202C⟩ now ⟨U+2067⟩x⟨U+2069⟩⟨U+200F⟩⟨U+061C⟩ ${mark}`);
    assert.equal(await item.getAttribute("title"), "Reply to 4915187654321⟨U+202E⟩@c.us");
    const left = await view.evaluate((dialog) => {
      const bidi = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/;
      const found = [];
      const walk = document.createTreeWalker(dialog, NodeFilter.SHOW_TEXT);
      while (walk.nextNode()) if (bidi.test(walk.currentNode.data)) found.push(walk.currentNode.data);
      for (const node of dialog.querySelectorAll("*")) {
        for (const { name, value } of node.attributes) if (!name.startsWith("data-") && bidi.test(value)) found.push(`${name}: ${value}`);
      }
      return found;
    });
    assert.deepEqual(left, [], "no bidi control is applied anywhere in the view");
    // A reply goes to the chat as WaAPI named it: the To field holds the id itself, not its markers.
    await item.getByRole("button").click();
    assert.equal(await view.getByLabel("To", { exact: true }).inputValue(), chat);
    await shot(page, "inbox-bidi.png");
  });

  scenario("latency: an injected message to its appearance on the page (median of 20)", {}, async ({ page }) => {
    const view = await openMessages(page);
    // The page notes when each message's element is added, on the same clock as this process.
    await page.evaluate(() => {
      window.shownAt = {};
      new MutationObserver((records) => {
        for (const r of records) for (const n of r.addedNodes) if (n.dataset?.id) window.shownAt[n.textContent] = Date.now();
      }).observe(document.getElementById("inbox-list"), { childList: true });
    });
    const ms = [];
    for (let i = 0; i < 20; i++) {
      const body = `latency ${i} ${tag()}`;
      const start = Date.now();
      await inject(body);
      const at = await eventually(() =>
        page.evaluate((body) => Object.entries(window.shownAt).find(([text]) => text.includes(body))?.[1] ?? Promise.reject(new Error("not yet")), body),
      );
      ms.push(at - start);
    }
    ms.sort((a, b) => a - b);
    console.log(`inbound message → shown on the page: median ${ms[10]} ms, min ${ms[0]} ms, max ${ms.at(-1)} ms (20 messages)`);
    assert.equal(await view.getByRole("listitem").filter({ hasText: "latency" }).count(), 20);
  });
});

test("the page's event-stream parser: events split anywhere across chunks, CRLF or LF, comments skipped", async () => {
  const { sseParser } = await import("../../www/inbox.js");
  const text = ': keep-alive\n\nid: 1\ndata: {"seq":1}\n\nid: 2\r\ndata: {"a":\r\ndata:"b"}\r\n\r\n: keep-alive\n\ndata:3\n\n';
  const want = ['{"seq":1}', '{"a":\n"b"}', "3"];
  for (let cut = 0; cut <= text.length; cut++) {
    for (const size of [1, 2, 7]) {
      const got = [];
      const feed = sseParser((data) => got.push(data));
      feed(text.slice(0, cut));
      for (let i = cut; i < text.length; i += size) feed(text.slice(i, i + size));
      assert.deepEqual(got, want, `cut at ${cut}, then ${size} characters at a time`);
    }
  }
});

// ---- helpers ----

const shot = (page, name) => page.screenshot({ path: join(SCREENSHOTS, name) });

/** A word no other test used, so texts from earlier tests (kept by the edge) never match. */
const tag = () => randomBytes(4).toString("hex");

/** Connects with `key`, opens the Support row's messages view, waits until it is live. */
async function openMessages(page, key = admin.key) {
  await page.getByLabel("Token").fill(key);
  await page.getByRole("button", { name: "Connect", exact: true }).click();
  await page.getByRole("button", { name: "Messages for Support" }).click();
  const view = page.getByRole("dialog", { name: "Messages: Support" });
  await view.getByText("Live: new messages appear as they arrive.").waitFor({ timeout: 20_000 });
  return view;
}

/** Points the instance's webhook at the edge's receiver, on the fake directly (as WaAPI's own UI would). */
async function setWebhook(id, url) {
  const res = await fetch(`${FAKE}/api/v1/instances/${id}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${process.env.FAKE_ADMIN_TOKEN}`, "content-type": "application/json" },
    body: JSON.stringify({ webhook: { url, events: WATCHED } }),
  });
  assert.equal(res.status, 200, await res.text());
}

/** A customer writes to the instance: the fake's inbound control; resolves to the message. */
async function inject(body, from = CUSTOMER) {
  return (await control("POST", `/__fake/instances/${INSTANCE}/inbound`, { from, body })).message;
}

/**
 * Posts a `message` webhook to the edge's receiver as WaAPI would, with the sender's chat id,
 * name and body given: the fake's inbound control only takes plain <digits>@c.us senders.
 */
async function hook({ chat, name, body }) {
  const id = randomBytes(10).toString("hex").toUpperCase();
  const message = {
    id: { fromMe: false, remote: chat, id, _serialized: `false_${chat}_${id}` },
    from: chat, to: "4915112345678@c.us", fromMe: false, notifyName: name, body, type: "chat", timestamp: Math.floor(Date.now() / 1000),
  };
  const res = await fetch(`${edge.url}/webhooks/waapi/${secret}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ event: "message", instanceId: INSTANCE, data: { message } }),
  });
  assert.equal(res.status, 204, await res.text());
}

const webhooks = async () => (await control("GET", "/__fake/webhooks")).deliveries;

/** Waits until the fake has delivered a webhook matching `match` to the edge, and the edge took it. */
const delivered = (match) =>
  eventually(async () => {
    const hit = (await webhooks()).find(match);
    assert.ok(hit, "not delivered yet");
    assert.equal(hit.status, 204, `the edge answered ${hit.status} (${hit.error})`);
  });

/** How many events the edge stored about message `id` (through the events API). */
async function storedFor(id) {
  const res = await fetch(`${edge.url}/api/v1/instances/${INSTANCE}/events?after=0&limit=500`, { headers: { authorization: `Bearer ${admin.key}` } });
  assert.equal(res.status, 200);
  return (await res.json()).events.filter((e) => e.data?.message?.id?._serialized === id).length;
}

/** Records, per message id, every tick state the page draws (each draw adds a new .ticks node). */
const recordTicks = (page) =>
  page.evaluate(() => {
    window.ticksSeen = {};
    new MutationObserver((records) => {
      for (const r of records) {
        for (const n of r.addedNodes) {
          // The <li> itself when new, otherwise its redrawn bubble (then the record's target is the <li>).
          const li = n.nodeName === "LI" ? n : r.target.closest?.("li");
          for (const t of n.querySelectorAll?.(".ticks") ?? []) (window.ticksSeen[li.dataset.id] ??= []).push(Number(t.dataset.ack));
        }
      }
    }).observe(document.getElementById("inbox-list"), { childList: true, subtree: true });
  });
