// Ctrl-C (SIGINT) or SIGTERM to `make edge` (worker/dev.mjs) or `make demo` (examples/demo.mjs):
// early in start-up, before the worker first answers, and once it runs. Afterwards no process of
// wrangler's group (wrangler, workerd) may remain and the ports must be free. Run through
// tests/with-fakes.sh (make test-edge), after `make pkg worker www`.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { newEdgeKey } from "../../worker/edge-key.mjs";
import { freePort } from "../../worker/dev.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { FAKE_LIVE_URL: FAKE, FAKE_ADMIN_TOKEN: TOKEN } = process.env;
assert.ok(FAKE && TOKEN, "run through tests/with-fakes.sh");
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const portFree = (port) =>
  new Promise((resolve) => {
    const s = createServer()
      .once("error", () => resolve(false))
      .listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

/** Every process: pid, parent and process group (from /proc/<pid>/stat). */
const processes = () =>
  readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map((pid) => {
      try {
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const [, ppid, pgrp] = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        return { pid: Number(pid), ppid: Number(ppid), pgrp: Number(pgrp), comm: stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")")) };
      } catch {
        return null; // gone meanwhile
      }
    })
    .filter(Boolean);

/**
 * Runs `node script` with `env`; `until(output)` says when to send `signal` (checked as output
 * arrives and every 20 ms). Answers what remained afterwards.
 */
async function signalled(script, env, signal, until) {
  const child = spawn(process.execPath, [script], { cwd: root, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (d) => (output += d));
  child.stderr.on("data", (d) => (output += d));
  const exited = new Promise((resolve) => child.on("exit", (code, sig) => resolve({ code, signal: sig })));
  // wrangler: the child's child that leads its own process group (workerd runs in that group).
  const wranglerGroup = () => processes().find((p) => p.pgrp === p.pid && p.ppid === child.pid)?.pid;
  let group;
  try {
    for (let i = 0; i < 3000; i++) {
      group ??= wranglerGroup();
      if (until(output, group)) break;
      if (child.exitCode !== null) assert.fail(`${script} exited early:\n${output}`);
      await sleep(20);
    }
    assert.ok(group, `wrangler started:\n${output}`);
    child.kill(signal);
    const how = await exited;
    let left = [];
    for (let i = 0; i < 100; i++) {
      left = processes().filter((p) => p.pgrp === group);
      if (left.length === 0) break;
      await sleep(100);
    }
    return { how, left, output };
  } finally {
    if (group) {
      try {
        process.kill(-group, "SIGKILL");
      } catch {}
    }
    child.kill("SIGKILL");
  }
}

for (const signal of ["SIGINT", "SIGTERM"]) {
  test(`${signal} during make edge's start-up stops wrangler and workerd and frees the port`, async () => {
    const port = await freePort();
    const key = newEdgeKey("read");
    const env = { PORT: String(port), WAAPI_BASE_URL: `${FAKE}/api/v1`, WAAPI_TOKEN: TOKEN, EDGE_KEYS: key.entry };
    // As soon as wrangler exists: long before the worker first answers.
    const { how, left, output } = await signalled("worker/dev.mjs", env, signal, (_, group) => group);
    assert.ok(!output.includes("edge handler on"), "the signal came during start-up");
    assert.deepEqual(left, [], "no wrangler or workerd process remains");
    assert.equal(await portFree(port), true, `port ${port} is free`);
    assert.deepEqual(how, { code: 0, signal: null }, "it stopped by its own handler");
  });
}

test("make demo: Ctrl-C during start-up stops the edge and the fake", async () => {
  const [fakePort, edgePort] = [await freePort(), await freePort()];
  const env = { FAKE_PORT: String(fakePort), EDGE_PORT: String(edgePort) };
  const { how, left } = await signalled("examples/demo.mjs", env, "SIGINT", (_, group) => group);
  assert.deepEqual(left, [], "no wrangler or workerd process remains");
  assert.equal(await portFree(edgePort), true, "the edge's port is free");
  assert.equal(await portFree(fakePort), true, "the fake's port is free");
  assert.deepEqual(how, { code: 0, signal: null });
});

test("make demo prints the words the dashboard uses, and Ctrl-C once it runs stops everything", async () => {
  const [fakePort, edgePort] = [await freePort(), await freePort()];
  const env = { FAKE_PORT: String(fakePort), EDGE_PORT: String(edgePort) };
  let page = "";
  const { how, left, output } = await signalled("examples/demo.mjs", env, "SIGINT", (out) => out.includes("Ctrl-C stops everything."));
  assert.match(output, /Ctrl-C stops everything\./, output);
  // The dashboard's field is labelled "Token": the demo gives out "Token"s, not "keys" to paste.
  page = readFileSync(`${root}www/index.html`, "utf8");
  const label = /<label for="token">([^<]*)<\/label>/.exec(page)[1];
  assert.match(output, new RegExp(`^  ${label} \\(admin\\) +wek_`, "m"));
  assert.match(output, new RegExp(`^  ${label} \\(viewer\\) +wek_`, "m"));
  assert.doesNotMatch(output, /admin key|viewer key/);
  assert.deepEqual(left, []);
  assert.equal(await portFree(edgePort), true);
  assert.equal(await portFree(fakePort), true);
  assert.deepEqual(how, { code: 0, signal: null });
});
