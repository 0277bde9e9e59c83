// What the Node tests of the npm tarball share: the fakes from tests/with-fakes.sh, the
// tarball installed into a temp folder as a user would, and the fakes' /__fake controls.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("../..", import.meta.url));
export const fakes = { live: process.env.FAKE_LIVE_URL, spec: process.env.FAKE_SPEC_URL };
export const ADMIN = process.env.FAKE_ADMIN_TOKEN;
export const VIEWER = process.env.FAKE_VIEWER_TOKEN;
assert.ok(fakes.live && fakes.spec && ADMIN && VIEWER, "run through tests/with-fakes.sh");

/** Packs pkg/, installs the tarball into a new temp folder and imports it by its name. */
export async function installTarball(prefix) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const npm = (...args) => execFileSync("npm", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  npm("pack", join(root, "pkg"), "--pack-destination", dir, "--silent");
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"));
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "app", private: true, type: "module" }));
  npm("install", "--no-audit", "--no-fund", "--offline", join(dir, tarball));
  writeFileSync(join(dir, "uses.mjs"), 'export * from "waapi-wasm";\n');
  return { dir, pkg: await import(pathToFileURL(join(dir, "uses.mjs"))) };
}

export const removeDir = (dir) => dir && rmSync(dir, { recursive: true, force: true });

export const control = async (fake, method, path, body) => {
  const res = await fetch(fake + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: ${res.status}`);
  return res.status === 204 ? undefined : res.json();
};
export const reset = (fake) => control(fake, "POST", "/__fake/reset");
export const seen = async (fake) =>
  (await control(fake, "GET", "/__fake/requests")).filter((r) => r.method !== "OPTIONS");
