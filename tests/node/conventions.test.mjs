// Issue 13, the JS side, through the npm tarball in Node against the fake: per-call
// `{ signal, timeoutMs }`, a custom fetch, hooks, User-Agent and VERSION, the WaapiError class
// and its kinds, `cause`, the caller's frame in the stack, use after free(), the web entry
// before init(), Symbol.dispose. Run through tests/with-fakes.sh (make test-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { ADMIN, VIEWER, control, fakes, installTarball, removeDir, reset, root, seen } from "./support.mjs";

let dir;
let pkg;
const caught = []; // every error seen, scanned for the token at the end
const events = []; // every hook event seen, scanned too

before(async () => ({ dir, pkg } = await installTarball("waapi-wasm-conventions-")));
after(() => removeDir(dir));

const fake = () => fakes.live;
const client = (options = {}) => new pkg.WaapiClient(ADMIN, { baseUrl: `${fake()}/api/v1`, ...options });

const failure = async (promise) => {
  try {
    await promise;
  } catch (e) {
    caught.push(e);
    return e;
  }
  assert.fail("expected a rejection");
};
const thrown = (fn) => {
  try {
    fn();
  } catch (e) {
    caught.push(e);
    return e;
  }
  assert.fail("expected a throw");
};

/** Hooks that record what they are given, in order. */
const recorder = () => {
  const log = [];
  const hook = (name) => (event) => {
    events.push(event);
    log.push([name, event]);
  };
  return { log, hooks: { onRequest: hook("request"), onResponse: hook("response"), onRetry: hook("retry") } };
};

test("VERSION is Cargo's version and the fake sees User-Agent: waapi-wasm/<version>", async () => {
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8").match(/^version = "(.+)"/m)[1];
  assert.equal(pkg.VERSION, cargo);
  await reset(fake());
  await client().listInstances();
  const [request] = await seen(fake());
  assert.equal(request.headers["user-agent"], `waapi-wasm/${cargo}`);
});

test("an already-aborted signal rejects at once with kind aborted, nothing sent", async () => {
  await reset(fake());
  const waapi = client();
  const controller = new AbortController();
  const reason = new Error("user left the page");
  controller.abort(reason);
  for (const call of [
    () => waapi.listInstances(undefined, { signal: controller.signal }),
    () => waapi.getInstance(1, { signal: controller.signal }),
    () => waapi.createInstance({ signal: controller.signal }),
    () => waapi.updateInstance(1, { name: "x" }, { signal: controller.signal }),
    () => waapi.deleteInstance(1, { signal: controller.signal }),
    () => waapi.clientStatus(1, { signal: controller.signal }),
    () => waapi.qrCode(1, { signal: controller.signal }),
    () => waapi.me(1, { signal: controller.signal }),
    () => waapi.action(1, "get-chats", {}, { signal: controller.signal }),
    () => waapi.sendMessage(1, { chatId: "4915112345678@c.us", message: "Hi" }, { signal: controller.signal }),
    () => waapi.getChats(1, undefined, { signal: controller.signal }),
  ]) {
    const e = await failure(call());
    assert.equal(e.kind, "aborted");
    assert.ok(e instanceof pkg.WaapiError);
    assert.equal(e.cause, reason);
    assert.equal(e.status, undefined);
  }
  assert.deepEqual(await seen(fake()), [], "nothing reached the server");
});

test("aborting mid-flight aborts the fetch; a signal that never fires changes nothing", async () => {
  await reset(fake());
  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", delay_ms: 3000 });
  const waapi = client({ maxRetries: 0 });
  const controller = new AbortController();
  const started = performance.now();
  const call = waapi.listInstances(undefined, { signal: controller.signal });
  setTimeout(() => controller.abort(), 100);
  const e = await failure(call);
  const ms = performance.now() - started;
  assert.equal(e.kind, "aborted");
  assert.equal(e.cause?.name, "AbortError");
  assert.match(e.message, /aborted/);
  console.log(`# aborted after ${ms.toFixed(0)} ms of a 3000 ms answer`);
  assert.ok(ms < 3000, "did not wait for the answer");
  assert.equal((await seen(fake())).length, 1);
  const quiet = new AbortController();
  assert.equal((await waapi.listInstances(undefined, { signal: quiet.signal })).length, 3);
});

test("aborting during a retry's wait stops the retries", async () => {
  await reset(fake());
  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", status: 429, headers: { "Retry-After": "30" } });
  const { log, hooks } = recorder();
  const waapi = client({ maxRetries: 2, ...hooks });
  const controller = new AbortController();
  const call = waapi.listInstances(undefined, { signal: controller.signal });
  // Abort once the client says it waits.
  while (!log.some(([name]) => name === "retry")) await new Promise((r) => setTimeout(r, 5));
  controller.abort();
  const e = await failure(call);
  assert.equal(e.kind, "aborted");
  assert.deepEqual(
    log.map(([name, ev]) => [name, ev.attempt]),
    [["request", 1], ["response", 1], ["retry", 2]],
  );
  assert.equal((await seen(fake())).length, 1, "no second attempt");
});

test("timeoutMs per call replaces the client's; the client's own timeout still applies", async () => {
  await reset(fake());
  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", delay_ms: 1500, times: 2 });
  const waapi = client({ maxRetries: 0, timeoutMs: 60_000 });
  const e = await failure(waapi.listInstances(undefined, { timeoutMs: 100 }));
  assert.equal(e.kind, "timeout");
  assert.match(e.message, /within 100 ms/);
  // With a signal that never fires, the client's timeout still bounds the call.
  const short = client({ maxRetries: 0, timeoutMs: 100 });
  const e2 = await failure(short.listInstances(undefined, { signal: new AbortController().signal }));
  assert.equal(e2.kind, "timeout");
  for (const options of [{ timeoutMs: 0 }, { timeoutMs: 1.5 }, { signal: "no" }, { signal: {} }, { sginal: null }, "fast", []]) {
    const bad = await failure(waapi.getInstance(1, options));
    assert.equal(bad.kind, "invalid_input", JSON.stringify(options));
  }
});

test("a custom fetch sees each request; hooks see method, URL and attempt, never the token", async () => {
  await reset(fake());
  const calls = [];
  const { log, hooks } = recorder();
  const waapi = client({
    ...hooks,
    fetch: (url, init) => {
      calls.push({ url, init });
      return globalThis.fetch(url, init);
    },
  });
  await waapi.getInstance(2);
  await waapi.sendMessage(1, { chatId: "4915112345678@c.us", message: "Hi" });
  assert.equal(calls.length, 2);
  assert.equal(calls[0].url, `${fake()}/api/v1/instances/2`);
  assert.equal(calls[0].init.method, "GET");
  assert.equal(calls[0].init.headers.Authorization, `Bearer ${ADMIN}`);
  assert.equal(calls[0].init.redirect, "manual");
  assert.equal(calls[1].init.method, "POST");
  assert.deepEqual(JSON.parse(calls[1].init.body), { chatId: "4915112345678@c.us", message: "Hi" });
  assert.deepEqual(
    log.map(([name, ev]) => [name, Object.keys(ev).sort().join(",")]),
    [
      ["request", "attempt,method,url"],
      ["response", "attempt,ms,status"],
      ["request", "attempt,method,url"],
      ["response", "attempt,ms,status"],
    ],
  );
  assert.deepEqual(log[0][1], { method: "GET", url: `${fake()}/api/v1/instances/2`, attempt: 1 });
  assert.equal(log[1][1].status, 200);
  assert.ok(log[1][1].ms >= 0);
  assert.equal(log[2][1].url, `${fake()}/api/v1/instances/1/client/action/send-message`);

  // A fetch that throws, or rejects, is a network error with it as the cause.
  const boom = new TypeError("proxy down");
  for (const fetch of [() => { throw boom; }, async () => { throw boom; }]) {
    const e = await failure(client({ fetch, maxRetries: 0 }).listInstances());
    assert.equal(e.kind, "network");
    assert.equal(e.cause, boom);
    assert.match(e.message, /proxy down/);
  }
  for (const fetch of ["fetch", {}, null]) {
    assert.equal(thrown(() => client({ fetch })).kind, "invalid_input", String(fetch));
  }
  for (const key of ["onRequest", "onResponse", "onRetry"]) {
    assert.match(thrown(() => client({ [key]: 1 })).message, new RegExp(`${key} must be a function`));
  }
});

test("the global fetch is looked up at each call, so a patched one is used", async () => {
  await reset(fake());
  const original = globalThis.fetch;
  let seenByPatch = 0;
  globalThis.fetch = (url, init) => {
    seenByPatch++;
    return original(url, init);
  };
  try {
    await client().listInstances();
  } finally {
    globalThis.fetch = original;
  }
  assert.equal(seenByPatch, 1);
});

test("hooks across a retry: order, attempt numbers, reasons; a throwing hook breaks nothing", async () => {
  await reset(fake());
  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", status: 503, times: 1 });
  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", status: 429, headers: { "Retry-After": "0" }, times: 1 });
  const { log, hooks } = recorder();
  const list = await client(hooks).listInstances();
  assert.equal(list.length, 3);
  assert.deepEqual(
    log.map(([name, ev]) => [name, ev.attempt, ev.status ?? null, ev.reason ?? null]),
    [
      ["request", 1, null, null],
      ["response", 1, 503, null],
      ["retry", 2, 503, "server"],
      ["request", 2, null, null],
      ["response", 2, 429, null],
      ["retry", 3, 429, "rate_limited"],
      ["request", 3, null, null],
      ["response", 3, 200, null],
    ],
  );
  assert.equal(log[5][1].delayMs, 0, "Retry-After: 0");
  assert.ok(log[2][1].delayMs >= 125 && log[2][1].delayMs < 250, "backoff with jitter");

  await control(fake(), "POST", "/__fake/faults", { path: "/api/v1/instances", action: "drop", times: 1 });
  let unhandled = 0;
  const count = () => unhandled++;
  process.on("unhandledRejection", count);
  const throwing = client({
    onRequest: () => {
      throw new Error("hook bug");
    },
    onResponse: async () => {
      throw new Error("async hook bug");
    },
    onRetry: () => {
      throw new Error("hook bug");
    },
  });
  assert.equal((await throwing.listInstances()).length, 3, "the call went on through a drop and a retry");
  await new Promise((r) => setTimeout(r, 20));
  process.off("unhandledRejection", count);
  assert.equal(unhandled, 0, "a rejecting hook leaves no unhandled rejection");
});

test("WaapiError: instanceof, kinds narrowed by field, cause on network errors", async () => {
  await reset(fake());
  const { WaapiError, isWaapiError } = pkg;
  const viewer = new pkg.WaapiClient(VIEWER, { baseUrl: `${fake()}/api/v1` });
  const forbidden = await failure(viewer.createInstance());
  assert.ok(forbidden instanceof WaapiError);
  assert.ok(forbidden instanceof Error);
  assert.equal(forbidden.constructor, WaapiError);
  assert.equal(Object.prototype.toString.call(forbidden), "[object Error]");
  assert.deepEqual([forbidden.name, forbidden.kind, forbidden.status, forbidden.permission], ["WaapiError", "forbidden", 403, "create"]);
  const invalid = thrown(() => new pkg.WaapiClient(""));
  assert.ok(invalid instanceof WaapiError && isWaapiError(invalid));
  assert.equal(invalid.kind, "invalid_input");
  const webhook = thrown(() => pkg.parseWebhookEvent("not json"));
  assert.ok(webhook instanceof WaapiError);
  assert.ok(!(new Error("x") instanceof WaapiError) && !isWaapiError({ name: "WaapiError" }) && !isWaapiError(null));

  // A port that was free a moment ago: nothing listens there.
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = server.address().port;
  await new Promise((resolve) => server.close(resolve));
  const refused = await failure(new pkg.WaapiClient(ADMIN, { baseUrl: `http://127.0.0.1:${port}/api/v1`, maxRetries: 0 }).listInstances());
  assert.equal(refused.kind, "network");
  assert.ok(refused.cause instanceof Error, "the runtime's own error");
  assert.equal(refused.cause.message, "fetch failed");
  assert.equal(refused.cause.cause?.code, "ECONNREFUSED");

  // Another copy of the package (a second install): its errors are instances of this WaapiError.
  const other = await installTarball("waapi-wasm-conventions-copy-");
  try {
    assert.notEqual(other.pkg.WaapiError, WaapiError);
    const e = thrown(() => new other.pkg.WaapiClient(""));
    assert.ok(e instanceof WaapiError && isWaapiError(e));
    assert.ok(forbidden instanceof other.pkg.WaapiError);
  } finally {
    removeDir(other.dir);
  }
});

test("the stack of an awaited call's error names the caller", async () => {
  await reset(fake());
  const waapi = client();
  async function theCallersOwnFunction() {
    await waapi.getInstance(99);
  }
  const e = await failure(theCallersOwnFunction());
  assert.equal(e.kind, "not_found");
  assert.match(e.stack, /^WaapiError: Instance 99 was not found\./);
  assert.match(e.stack, /theCallersOwnFunction/);
  async function invalidCaller() {
    await waapi.getInstance(-1);
  }
  assert.match((await failure(invalidCaller())).stack, /invalidCaller/);
});

test("after free() or [Symbol.dispose](), every call is a WaapiError; free() twice is harmless", async () => {
  await reset(fake());
  for (const dispose of [(w) => w.free(), (w) => w[Symbol.dispose]()]) {
    const waapi = client();
    const inFlight = waapi.listInstances();
    dispose(waapi);
    dispose(waapi);
    assert.equal((await inFlight).length, 3, "a call in flight finishes");
    for (const call of [
      () => waapi.listInstances(),
      () => waapi.getInstance(1),
      () => waapi.createInstance(),
      () => waapi.updateInstance(1, { name: "x" }),
      () => waapi.deleteInstance(1),
      () => waapi.clientStatus(1),
      () => waapi.qrCode(1),
      () => waapi.me(1),
      () => waapi.action(1, "get-chats"),
      () => waapi.sendMessage(1, { chatId: "4915112345678@c.us", message: "Hi" }),
    ]) {
      const e = await failure(call());
      assert.ok(e instanceof pkg.WaapiError);
      assert.equal(e.kind, "invalid_input");
      assert.match(e.message, /freed/);
    }
  }
  assert.equal((await seen(fake())).length, 2);
});

test("the web entry before init(): a WaapiError, and after init() the same API", async () => {
  const script = `
    import { readFileSync } from "node:fs";
    import init, { WaapiClient, WaapiError, parseWebhookEvent } from "waapi-wasm/web";
    const out = [];
    for (const f of [() => new WaapiClient("t"), () => parseWebhookEvent("{}")]) {
      try { f(); out.push("no throw"); } catch (e) { out.push([e instanceof WaapiError, e.kind, e.message]); }
    }
    const wasm = readFileSync(new URL(import.meta.resolve("waapi-wasm/web").replace("web.js", "waapi_wasm_bg.wasm")));
    await init({ module_or_path: wasm });
    const waapi = new WaapiClient(process.env.TOKEN, { baseUrl: process.env.BASE });
    out.push((await waapi.listInstances()).length);
    console.log(JSON.stringify(out));
  `;
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], {
    cwd: dir,
    env: { ...process.env, TOKEN: ADMIN, BASE: `${fake()}/api/v1` },
  }).toString();
  const [client, webhook, listed] = JSON.parse(out);
  assert.deepEqual(client.slice(0, 2), [true, "invalid_input"]);
  assert.match(client[2], /await init\(\)/);
  assert.deepEqual(webhook.slice(0, 2), [true, "invalid_input"]);
  assert.equal(listed, 3);
});

test("the tarball ships its own README, the LICENSE, the CHANGELOG and where to find the source", () => {
  const installed = join(dir, "node_modules", "waapi-wasm");
  const meta = JSON.parse(readFileSync(join(installed, "package.json"), "utf8"));
  const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
  const repository = cargo.match(/^repository = "(.+)"/m)[1];
  assert.equal(meta.license, "MIT");
  assert.equal(meta.repository.url, `git+${repository}.git`);
  assert.equal(meta.homepage, `${repository}#readme`);
  assert.equal(meta.bugs.url, `${repository}/issues`);
  assert.match(readFileSync(join(installed, "LICENSE"), "utf8"), /^MIT License/);
  assert.match(readFileSync(join(installed, "CHANGELOG.md"), "utf8"), /^# Changelog/);
  const readme = readFileSync(join(installed, "README.md"), "utf8");
  assert.equal(readme, readFileSync(join(root, "npm", "README.md"), "utf8"), "the package's own README");
  assert.match(readme, /npm install waapi-wasm/);
  // Links that work outside the repository: absolute, or anchors within the README.
  for (const [, target] of readme.matchAll(/\]\(([^)]+)\)/g)) {
    assert.match(target, /^(https:\/\/|#)/, target);
  }
  for (const [, anchor] of readme.matchAll(/\]\(#([^)]+)\)/g)) {
    const headings = [...readme.matchAll(/^#+ (.+)$/gm)].map(([, h]) => h.toLowerCase().replace(/[^a-z0-9 -]/g, "").replace(/ /g, "-"));
    assert.ok(headings.includes(anchor), anchor);
  }
});

test("the token appears in no error and no hook event", () => {
  assert.ok(caught.length > 30, `${caught.length} errors seen`);
  assert.ok(events.length > 10, `${events.length} events seen`);
  for (const e of caught) {
    const everything = JSON.stringify(e, Object.getOwnPropertyNames(e)) + String(e.stack) + String(e.cause?.stack);
    assert.ok(!everything.includes(ADMIN) && !everything.includes(VIEWER), everything);
  }
  const all = JSON.stringify(events);
  assert.ok(!all.includes(ADMIN) && !all.includes(VIEWER), all);
  assert.ok(!/authorization|bearer/i.test(all), all);
});

