// Walks the package through an instance's life against a running API (by default the edge
// of `make demo`): `WAAPI_BASE_URL=… WAAPI_TOKEN=… FAKE_URL=… node examples/walkthrough.mjs`.
// FAKE_URL is fake-waapi itself, used only to simulate the phone's scan.
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { WaapiClient, isWaapiError } from "../pkg/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const base = process.env.WAAPI_BASE_URL ?? "http://127.0.0.1:8787/api/v1";
const admin = process.env.WAAPI_TOKEN;
const viewer = process.env.VIEWER_TOKEN;
const fakeUrl = process.env.FAKE_URL ?? "http://127.0.0.1:8080";
if (!admin) {
  console.error("set WAAPI_TOKEN (the admin edge key make demo printed), and VIEWER_TOKEN for the permission example");
  process.exit(2);
}
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const step = (text) => console.log(`\n\x1b[1m${text}\x1b[0m`);

const waapi = new WaapiClient(admin, { baseUrl: base });

step("listInstances()");
console.table(await waapi.listInstances());

step("createInstance(), then clientStatus() while it boots");
const created = await waapi.createInstance();
console.log(created);
let status;
do {
  status = await waapi.clientStatus(created.id);
  console.log(`  instance ${created.id}: ${status.instanceStatus}`);
  if (status.instanceStatus !== "qr") await sleep(500);
} while (status.instanceStatus !== "qr");

step("qrCode(): a real QR code, as a data URL");
const qr = await waapi.qrCode(created.id);
mkdirSync(`${root}.tmp`, { recursive: true });
const png = `${root}.tmp/demo-qr.png`;
writeFileSync(png, Buffer.from(qr.slice(qr.indexOf(",") + 1), "base64"));
console.log(`  ${qr.slice(0, 48)}… (${qr.length} chars), saved as ${png}`);

step("a phone scans it (simulated by the fake), then me()");
await fetch(`${fakeUrl}/__fake/instances/${created.id}/scan`, { method: "POST" });
while ((status = await waapi.clientStatus(created.id)).instanceStatus !== "ready") await sleep(300);
console.log(await waapi.me(created.id));

step("updateInstance(): name and webhook");
console.log(
  await waapi.updateInstance(created.id, {
    name: "Demo shop",
    webhook: { url: "https://example.com/waapi-hook", events: ["message", "message_ack"] },
  }),
);

step("errors are WaapiError objects with a kind");
for (const attempt of [
  ...(viewer ? [() => new WaapiClient(viewer, { baseUrl: base }).createInstance()] : []),
  () => waapi.getInstance(999),
  () => waapi.qrCode(created.id),
  () => waapi.getInstance("1/../2"),
]) {
  try {
    await attempt();
  } catch (e) {
    if (!isWaapiError(e)) throw e;
    console.log(`  ${e.kind.padEnd(13)} ${String(e.status ?? "").padEnd(3)} ${e.message}`);
  }
}
