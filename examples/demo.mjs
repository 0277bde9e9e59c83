// `make demo`: starts fake-waapi, walks the package through an instance's life against it,
// then leaves the fake running so you can point your own code at it. Ctrl-C stops it.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { WaapiClient, isWaapiError } from "../pkg/node.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const port = process.env.PORT ?? "8080";
const fake = spawn(`${root}target/debug/fake-waapi`, ["--port", port, "--boot-ms", "1500"], {
  stdio: ["ignore", "pipe", "inherit"],
});
const stop = () => fake.kill();
process.on("SIGINT", () => (stop(), process.exit(0)));
process.on("SIGTERM", () => (stop(), process.exit(0)));
fake.on("exit", (code) => {
  if (code) console.error(`fake-waapi exited with ${code} (is port ${port} taken? try PORT=8081 make demo)`);
  process.exit(code ?? 0);
});

const lines = createInterface({ input: fake.stdout });
const said = {};
for await (const line of lines) {
  const [key, value] = line.split(/: | on /);
  said[key] = value;
  if (said["viewer token"]) break;
}
const base = `${said.listening}/api/v1`;
const admin = said["admin token"];
const viewer = said["viewer token"];
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
await fetch(`${said.listening}/__fake/instances/${created.id}/scan`, { method: "POST" });
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
  () => new WaapiClient(viewer, { baseUrl: base }).createInstance(),
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

console.log(`
fake WaAPI is running at ${base}
  admin token:  ${admin}
  viewer token: ${viewer}
  try: curl -H "Authorization: Bearer ${admin}" ${base}/instances
  fault injection and the request log: see fake-waapi/README.md
Ctrl-C stops it.`);
