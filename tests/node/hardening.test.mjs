// Issue 17, the client's part, through the npm tarball in Node: bounded reads (a lying
// Content-Length, an endless stream, a gzip bomb), redirects never followed, webhook URLs on
// internal hosts refused, hostile profile pictures and QR codes kept out. Run through
// tests/with-fakes.sh (make test-node).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import { ADMIN, control, fakes, installTarball, removeDir, reset, seen } from "./support.mjs";

let dir;
let pkg;
let hostile; // a server that answers what no WaAPI would: see `serveHostile`
const caught = [];

before(async () => {
  ({ dir, pkg } = await installTarball("waapi-wasm-hardening-"));
  hostile = await serveHostile();
});
after(async () => {
  await new Promise((resolve) => hostile.server.close(resolve));
  hostile.server.closeAllConnections();
  removeDir(dir);
});

const client = (baseUrl, options = {}) => new pkg.WaapiClient(ADMIN, { baseUrl, maxRetries: 0, ...options });

const failure = async (promise) => {
  try {
    await promise;
  } catch (e) {
    caught.push(e);
    assert.equal(e.name, "WaapiError");
    return e;
  }
  assert.fail("expected a rejection");
};

const MiB = 1 << 20;

/**
 * Answers on 127.0.0.1 (any path under /<mode>/api/v1): `declared` says Content-Length 1 GB and
 * sends 16 bytes, then nothing; `endless` streams 64 KiB chunks without a Content-Length until
 * the client hangs up; `bomb` sends 64 MiB of JSON whitespace gzipped to some 64 KB. It counts
 * the bytes each mode wrote and notes when the client closed the connection.
 */
async function serveHostile() {
  const stats = { written: {}, closed: {} };
  const bomb = gzipSync(Buffer.concat([Buffer.from('{"instances":[],"pad":"'), Buffer.alloc(64 * MiB, 0x20), Buffer.from('"}')]));
  const server = createServer((req, res) => {
    const mode = req.url.split("/")[1];
    stats.written[mode] = 0;
    res.on("close", () => (stats.closed[mode] = true));
    const send = (chunk) => {
      stats.written[mode] += chunk.length;
      return res.write(chunk);
    };
    if (mode === "declared") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": String(1e9) });
      send(Buffer.from('{"instances":[ '));
    } else if (mode === "endless") {
      res.writeHead(200, { "Content-Type": "application/json" });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      send(Buffer.from('{"instances":['));
      const pump = () => {
        while (!res.destroyed && send(chunk));
        if (!res.destroyed) res.once("drain", pump);
      };
      pump();
    } else if (mode === "bomb") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Encoding": "gzip", "Content-Length": bomb.length });
      stats.compressed = bomb.length;
      send(bomb);
      res.end();
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, stats, url: (mode) => `http://127.0.0.1:${server.address().port}/${mode}/api/v1` };
}

test("a Content-Length over maxResponseBytes is refused before the body is read", async () => {
  const started = performance.now();
  const e = await failure(client(hostile.url("declared"), { maxResponseBytes: MiB, timeoutMs: 60_000 }).listInstances());
  assert.equal(e.kind, "response_too_large", e.message);
  assert.equal(e.status, 200);
  assert.match(e.message, /maxResponseBytes \(1048576 bytes\)/);
  // The server never sends the rest: had the client waited for it, this would be a timeout.
  console.log(`declared 1 GB, sent 16 bytes: refused in ${Math.round(performance.now() - started)} ms`);
});

test("a stream without a Content-Length stops being read at the limit", async () => {
  const rss = process.memoryUsage().rss;
  const e = await failure(client(hostile.url("endless"), { maxResponseBytes: 4 * MiB, timeoutMs: 60_000 }).listInstances());
  assert.equal(e.kind, "response_too_large", e.message);
  for (let i = 0; i < 100 && !hostile.stats.closed.endless; i++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(hostile.stats.closed.endless, "the client hung up");
  const written = hostile.stats.written.endless;
  console.log(
    `endless stream, limit 4 MiB: the server wrote ${(written / MiB).toFixed(1)} MiB before the client hung up; ` +
      `rss grew ${((process.memoryUsage().rss - rss) / MiB).toFixed(1)} MiB`,
  );
});

test("the limit counts the decoded bytes: a gzip bomb is stopped too", async () => {
  const e = await failure(client(hostile.url("bomb"), { maxResponseBytes: 8 * MiB }).listInstances());
  assert.equal(e.kind, "response_too_large", e.message);
  console.log(`gzip bomb: ${hostile.stats.compressed} bytes on the wire, 64 MiB decoded; refused at 8 MiB`);
  // The default is 8 MiB too.
  assert.equal((await failure(client(hostile.url("bomb")).listInstances())).kind, "response_too_large");
});

test("answers within the limit read whole, chunked or not", async () => {
  const fake = fakes.live;
  await reset(fake);
  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", action: "chunked" });
  assert.equal((await client(`${fake}/api/v1`).listInstances()).length, 3);
  await control(fake, "POST", "/__fake/seed", { count: 2000 });
  const big = await client(`${fake}/api/v1`).listInstances();
  assert.equal(big.length, 2000);
  const tight = await failure(client(`${fake}/api/v1`, { maxResponseBytes: 64 * 1024 }).listInstances());
  assert.equal(tight.kind, "response_too_large");
  await reset(fake);
});

test("bytes that are not UTF-8 read as the crate reads them, in chunks or not; a byte order mark is kept", async () => {
  // The answer's bytes, through a fetch that hands them over in the chunks given.
  const answering = (...chunks) => ({
    fetch: async () =>
      new Response(
        new ReadableStream({
          start(c) {
            for (const chunk of chunks) c.enqueue(Uint8Array.from(chunk));
            c.close();
          },
        }),
        { status: 200, headers: { "Content-Type": "application/json" } },
      ),
  });
  const bytes = (s) => [...Buffer.from(s, "latin1")];
  // One U+FFFD per maximal invalid sequence, as Rust's from_utf8_lossy: "a\xffb", a cut 4-byte
  // sequence, an encoded surrogate (three), a cut 2-byte sequence at the end of a string.
  const owner = bytes("a\xffb|\xf0\x9f\x98|\xed\xa0\x80|\xe2\x82\xac\xc3");
  const head = bytes('{"instances":[{"id":1,"owner":"'), tail = bytes('","is_trial":0}]}');
  const want = "a\ufffdb|\ufffd|\ufffd\ufffd\ufffd|\u20ac\ufffd";
  const list = await client("http://127.0.0.1:9/api/v1", answering([...head, ...owner, ...tail])).listInstances();
  assert.equal(list[0].owner, want);
  // The same bytes in chunks that cut the euro sign and the 4-byte sequence apart.
  const all = [...head, ...owner, ...tail], cut = head.length + 5, cut2 = head.length + 13;
  const chunked = await client("http://127.0.0.1:9/api/v1", answering(all.slice(0, cut), all.slice(cut, cut2), all.slice(cut2))).listInstances();
  assert.equal(chunked[0].owner, want);
  // A byte order mark is not JSON: the answer is refused as the crate refuses it, not read past.
  const bom = await failure(client("http://127.0.0.1:9/api/v1", answering([0xef, 0xbb, 0xbf, ...bytes('{"instances":[]}')])).listInstances());
  assert.equal(bom.kind, "decode", bom.message);
});

test("a redirect is never followed: a PUT's body reaches no other host", async () => {
  const [fake, other] = [fakes.live, fakes.spec];
  await reset(fake);
  await reset(other);
  for (const status of [301, 302, 303, 307, 308]) {
    await control(fake, "POST", "/__fake/faults", {
      method: "PUT",
      path: "/api/v1/instances/1",
      status,
      headers: { Location: `${other}/api/v1/instances/1` },
    });
    const e = await failure(client(`${fake}/api/v1`).updateInstance(1, { name: "Moved", webhook: { url: "https://secret.example/h" } }));
    assert.equal(e.kind, "redirect", e.message);
    assert.equal(e.status, status);
    assert.ok(e.message.includes(`(HTTP ${status}) to ${other} `), e.message);
  }
  assert.equal((await seen(fake)).length, 5, "each PUT was sent once");
  assert.deepEqual(await seen(other), [], "nothing reached the redirect's target");
  await control(fake, "POST", "/__fake/faults", { path: "/api/v1/instances", status: 302, headers: { Location: "https://evil.example/list" } });
  const e = await failure(client(`${fake}/api/v1`, { maxRetries: 2 }).listInstances());
  assert.equal(e.kind, "redirect");
  assert.match(e.message, /to https:\/\/evil\.example when asked to list instances/);
});

test("webhook URLs on link-local, metadata and (unless allowed) private hosts are refused before sending", async () => {
  const fake = fakes.live;
  await reset(fake);
  const strict = client(`${fake}/api/v1`);
  const lenient = client(`${fake}/api/v1`, { allowPrivateWebhookHosts: true });
  const hook = (url) => ({ webhook: { url } });
  // What Node's own URL parser makes of each spelling: the client reads hosts the same way.
  const always = {
    "http://169.254.169.254/latest/meta-data/": "169.254.169.254",
    "http://2852039166/": "169.254.169.254",
    "http://0xa9fea9fe/": "169.254.169.254",
    "http://0251.0376.0251.0376/": "169.254.169.254",
    "http://169.254.43518/": "169.254.169.254",
    "http://[::ffff:169.254.169.254]/": "[::ffff:a9fe:a9fe]",
    "http://[fe80::1]/": "[fe80::1]",
    "http://metadata.google.internal/computeMetadata/v1/": "metadata.google.internal",
    "http://metadata/": "metadata",
  };
  const unlessAllowed = {
    "http://127.0.0.1:22/": "127.0.0.1",
    "http://localhost/": "localhost",
    "http://[::1]/": "[::1]",
    "http://10.0.0.1/": "10.0.0.1",
    "http://0x7f000001/": "127.0.0.1",
    "http://2130706433/": "127.0.0.1",
    "http://127.1/": "127.0.0.1",
    "http://0/": "0.0.0.0",
    "http://192.168.1.1/": "192.168.1.1",
  };
  for (const [url, host] of Object.entries({ ...always, ...unlessAllowed })) {
    assert.equal(new URL(url).host.replace(/:\d+$/, ""), host, url);
    const e = await failure(strict.updateInstance(1, hook(url)));
    assert.equal(e.kind, "invalid_input", url);
    assert.match(e.message, /^A webhook URL cannot point to/, url);
  }
  for (const url of Object.keys(always)) {
    assert.equal((await failure(lenient.updateInstance(1, hook(url)))).kind, "invalid_input", url);
  }
  // IDNA turns these into 127.0.0.1 and localhost: hosts must be ASCII.
  for (const url of ["http://１２７.０.０.１/", "http://ｌｏｃａｌｈｏｓｔ/"]) {
    assert.match(new URL(url).hostname, /^(127\.0\.0\.1|localhost)$/);
    assert.equal((await failure(lenient.updateInstance(1, hook(url)))).kind, "invalid_input", url);
  }
  assert.deepEqual(await seen(fake), [], "nothing reached the server");
  for (const url of Object.keys(unlessAllowed)) {
    const status = await lenient.updateInstance(1, hook(url));
    assert.equal(status.instanceWebhook, url);
  }
  assert.equal((await strict.updateInstance(1, hook("https://hooks.example.com/waapi"))).instanceWebhook, "https://hooks.example.com/waapi");
});

test("the new options are checked", () => {
  for (const options of [
    { maxResponseBytes: 0 },
    { maxResponseBytes: 1.5 },
    { maxResponseBytes: 2 ** 30 + 1 },
    { maxResponseBytes: "1000" },
    { allowPrivateWebhookHosts: "yes" },
    { allowPrivateWebhookHosts: 1 },
  ]) {
    let error;
    try {
      new pkg.WaapiClient(ADMIN, options);
    } catch (e) {
      error = e;
    }
    assert.equal(error?.kind, "invalid_input", JSON.stringify(options));
  }
  new pkg.WaapiClient(ADMIN, { maxResponseBytes: 2 ** 30, allowPrivateWebhookHosts: false });
});

test("a profile picture that is no https URL is null; a QR code must be base64 to its end", async () => {
  const fake = fakes.live;
  await reset(fake);
  const waapi = client(`${fake}/api/v1`);
  for (const pic of ["javascript:alert(10)", "http://169.254.169.254/latest/meta-data/", "data:image/svg+xml,<svg onload=alert(1)>"]) {
    const data = { displayName: "D", contactId: "49@c.us", formattedNumber: "+49", profilePicUrl: pic };
    await control(fake, "POST", "/__fake/faults", {
      path: "/api/v1/instances/1/client/me",
      status: 200,
      body: JSON.stringify({ me: { status: "success", instanceId: "1", data }, status: "success" }),
    });
    assert.equal((await waapi.me(1)).profilePicUrl, null, pic);
  }
  assert.equal((await waapi.me(1)).profilePicUrl, "https://pps.example.com/support.jpg");
  const qr = 'data:image/png;base64,iVBORw0KGgo="><img src=x onerror=alert(1)>';
  await control(fake, "POST", "/__fake/faults", {
    path: "/api/v1/instances/2/client/qr",
    status: 200,
    body: JSON.stringify({ qrCode: { status: "success", instanceId: "2", data: { qr_code: qr } }, status: "success" }),
  });
  assert.equal((await failure(waapi.qrCode(2))).kind, "decode");
  assert.match(await waapi.qrCode(2), /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/);
});

test("no error of this file holds the token", () => {
  assert.ok(caught.length > 30, `${caught.length} errors`);
  for (const e of caught) {
    assert.ok(!(JSON.stringify(e, Object.getOwnPropertyNames(e)) + e.stack).includes(ADMIN));
  }
});
