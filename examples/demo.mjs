// `make demo`: fake-waapi, the edge handler wired to it (serving the dashboard), two fresh
// edge keys, every seeded instance's webhook pointed at the edge's receiver (a fresh secret each
// run); prints where to look and a curl line that makes a message arrive. Ctrl-C stops both.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { startEdge } from "../worker/dev.mjs";
import { newEdgeKey } from "../worker/edge-key.mjs";
import { WaapiClient } from "../pkg/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const fakePort = process.env.FAKE_PORT ?? "8080";
const edgePort = Number(process.env.EDGE_PORT ?? 8787);
// The 20 events of WaAPI v1.6.0, all of which fake-waapi accepts and the edge keeps.
const EVENTS = [
  "message", "loading_screen", "qr", "authenticated", "auth_failure", "ready", "disconnected",
  "message_create", "message_edit", "message_revoke_everyone", "message_revoke_me", "message_ack",
  "message_reaction", "media_uploaded", "group_join", "group_leave", "group_update", "change_state",
  "call", "vote_update",
];

const fake = spawn(`${root}target/debug/fake-waapi`, ["--port", fakePort], { stdio: ["ignore", "pipe", "inherit"] });
// Installed before anything starts: a Ctrl-C during start-up stops the edge being started too
// (startEdge stops wrangler and workerd when its signal aborts, then rejects).
const aborter = new AbortController();
let starting;
let stopping = false;
const stop = async (code = 0) => {
  if (stopping) return;
  stopping = true;
  aborter.abort();
  fake.kill();
  await starting?.then((edge) => edge.stop(), () => {});
  process.exit(code);
};
process.on("SIGINT", () => stop());
process.on("SIGTERM", () => stop());
fake.on("exit", (code) => {
  if (code) {
    console.error(`fake-waapi exited (${code}); is port ${fakePort} taken? try FAKE_PORT=8081 make demo`);
    stop(1);
  }
});

const said = {};
for await (const line of createInterface({ input: fake.stdout })) {
  const [key, value] = line.split(/: | on /);
  said[key] = value;
  if (said["viewer token"]) break;
}
const fakeUrl = said.listening;
const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
// The receiver's URL is its only lock: a fresh secret each run.
const webhookSecret = randomBytes(24).toString("base64url");
let edge;
try {
  starting = startEdge({
    port: edgePort,
    baseUrl: `${fakeUrl}/api/v1`,
    token: said["admin token"],
    edgeKeys: `${admin.entry};${viewer.entry}`,
    webhookSecret,
    // The receiver is on 127.0.0.1 here; the fake serves its pictures from pps.example.com.
    vars: { EDGE_ALLOW_PRIVATE_WEBHOOKS: "true", IMG_SRC: "https://pps.example.com" },
    signal: aborter.signal,
  });
  edge = await starting;
} catch (e) {
  if (stopping) await new Promise(() => {}); // stop() is ending the process
  console.error(`${e.message}\nis port ${edgePort} taken? try EDGE_PORT=8788 make demo`);
  await stop(1);
}

// Through the edge, as the dashboard would: every seeded instance posts all its events to the receiver.
// A failure here (or a Ctrl-C cutting these calls short) still stops the edge before exiting.
const waapi = new WaapiClient(admin.key, { baseUrl: `${edge.url}/api/v1`, allowPrivateWebhookHosts: true });
const receiver = `${edge.url}/webhooks/waapi/${webhookSecret}`;
let instances;
let ready;
try {
  instances = await waapi.listInstances();
  for (const { id } of instances) {
    const status = await waapi.updateInstance(id, { webhook: { url: receiver, events: EVENTS } });
    if (status.instanceStatus === "ready") ready ??= id;
  }
} catch (e) {
  if (stopping) await new Promise(() => {});
  console.error(`could not set the instances' webhooks: ${e.message}`);
  await stop(1);
}
const inbound = ready
  ? `curl -X POST ${fakeUrl}/__fake/instances/${ready}/inbound -H 'content-type: application/json' -d '{"from":"4915187654321@c.us","body":"Hello from the demo"}'`
  : `(no seeded instance is ready; scan one first, then: curl -X POST ${fakeUrl}/__fake/instances/<id>/inbound -H 'content-type: application/json' -d '{"from":"4915187654321@c.us","body":"Hello"}')`;
console.log(`
  waapi-wasm demo: the dashboard and the edge handler (workerd) in front of fake WaAPI

  dashboard       ${edge.url}/
  API base URL    /api/v1 (same origin; the dashboard's default)
  Token (admin)   ${admin.key}
  Token (viewer)  ${viewer.key}   (read only: the dashboard turns off New instance, Save, Delete and Send)

  Paste a Token above into the dashboard's Token field. Each is an edge key: the edge holds the
  real WaAPI token (fake-waapi's admin token); these keys are all a browser ever sees. ${instances.length} instances are seeded; new ones boot for a few seconds, then
  show a QR code. To "scan" it with a phone:
    curl -X POST ${fakeUrl}/__fake/instances/<id>/scan

  Messages: every seeded instance's webhook is the edge's receiver (${edge.url}/webhooks/waapi/<secret>,
  a fresh secret each run). Open Messages on instance ${ready ?? "<id>"}'s row, then make a customer write to it:
    ${inbound}
  It appears within a second; click it, type a reply and Send: its ticks follow (✓ sent, ✓✓ delivered, Read).

  fake WaAPI      ${fakeUrl}/api/v1 (faults and the request log: fake-waapi/README.md)
  walkthrough     WAAPI_TOKEN=${admin.key} VIEWER_TOKEN=${viewer.key} FAKE_URL=${fakeUrl} node examples/walkthrough.mjs

  Ctrl-C stops everything.`);
