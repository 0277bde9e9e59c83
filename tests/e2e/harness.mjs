// What the dashboard's end-to-end tests stand on: the settings from the environment, a static
// server for www/ that sends the edge handler's strict CSP, Chromium via playwright-core, calls
// to the fake's control API, and a page that records every console error.
import assert from "node:assert/strict";
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { extname, join, normalize, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { freePort } from "../../worker/dev.mjs";

export { freePort };

const root = fileURLToPath(new URL("../..", import.meta.url));
const { chromium } = await import(pathToFileURL(join(root, "node_modules/playwright-core/index.mjs")));

const env = process.env;
if (!env.FAKE_LIVE_URL) throw new Error("run through tests/with-fakes.sh (make test-e2e)");

/** Where things are: control calls always go to the fake; the page and the API may be the edge's. */
export const FAKE = env.FAKE_LIVE_URL;
export const API_BASE = env.E2E_API_BASE ?? `${FAKE}/api/v1`;
export const ADMIN_TOKEN = env.E2E_ADMIN_TOKEN ?? env.FAKE_ADMIN_TOKEN;
export const VIEWER_TOKEN = env.E2E_VIEWER_TOKEN ?? env.FAKE_VIEWER_TOKEN;
/** True when the page and the API are the edge handler's (tests/e2e/via-edge.mjs). */
export const VIA_EDGE = Boolean(env.E2E_PAGE_URL);
export const SCREENSHOTS = join(root, ".tmp", "screenshots");
const WWW = join(root, "www");

const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8",
  ".wasm": "application/wasm", ".svg": "image/svg+xml", ".png": "image/png", ".json": "application/json",
};

/** The CSP the edge handler will send, with the API's origin allowed for fetch. */
export const csp = (apiOrigins) =>
  [
    "default-src 'self'", "script-src 'self' 'wasm-unsafe-eval'", "style-src 'self'", "img-src 'self' data: https:",
    `connect-src 'self' ${apiOrigins.join(" ")}`, "frame-ancestors 'none'", "base-uri 'none'", "form-action 'none'",
  ].join("; ");

/** Serves www/ on a free 127.0.0.1 port with correct types and the strict CSP. */
function serveWww() {
  const policy = csp([...new Set([new URL(API_BASE).origin, new URL(FAKE).origin])]);
  return new Promise((resolve, reject) => {
    const server = createServer((req, res) => {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      const file = normalize(join(WWW, path.endsWith("/") ? `${path}index.html` : path));
      let ok = file.startsWith(WWW + sep) && !file.includes(`${sep}.`);
      try {
        ok &&= statSync(file).isFile();
      } catch {
        ok = false;
      }
      if (!ok) {
        res.writeHead(404, { "content-type": "text/plain" }).end("not found");
        return;
      }
      res.writeHead(200, {
        "content-type": TYPES[extname(file)] ?? "application/octet-stream",
        "content-security-policy": policy,
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
      });
      createReadStream(file).pipe(res);
    });
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}

/** Pids of processes named chromium, to wait until the ones our launch started are gone. */
const chromiumPids = () =>
  readdirSync("/proc").filter((p) => {
    if (!/^\d+$/.test(p)) return false;
    try {
      return readFileSync(`/proc/${p}/comm`, "utf8").trim() === "chromium";
    } catch {
      return false;
    }
  });

/** Starts the static server (unless E2E_PAGE_URL names another) and Chromium; `stop()` ends both. */
export async function startHarness() {
  const dir = mkdtempSync(join(tmpdir(), "waapi-e2e-"));
  for (const d of ["home", "tmp"]) mkdirSync(join(dir, d));
  mkdirSync(SCREENSHOTS, { recursive: true });
  const server = env.E2E_PAGE_URL ? null : await serveWww();
  const pageUrl = env.E2E_PAGE_URL ?? `http://127.0.0.1:${server.address().port}/`;
  const before = new Set(chromiumPids());
  const home = join(dir, "home");
  const browser = await chromium.launch({
    executablePath: "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
    env: { ...env, HOME: home, TMPDIR: join(dir, "tmp"), XDG_CONFIG_HOME: join(home, ".config"), XDG_CACHE_HOME: join(home, ".cache") },
    timeout: 30_000,
  });
  const stop = async () => {
    await Promise.race([browser.close().catch(() => {}), new Promise((r) => setTimeout(r, 10_000))]);
    for (let i = 0; i < 50 && chromiumPids().some((p) => !before.has(p)); i++) await new Promise((r) => setTimeout(r, 100));
    if (server) {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { browser, pageUrl, stop };
}

/** Calls the fake's control API (no auth); resolves to the JSON answer, if any. */
export async function control(method, path, body) {
  const res = await fetch(FAKE + path, { method, body: body && JSON.stringify(body) });
  assert.ok(res.ok, `${method} ${path}: HTTP ${res.status}`);
  return res.status === 204 ? undefined : res.json();
}

/** Calls the fake's API directly as the admin, as another WaAPI user would. */
export async function api(method, path) {
  const res = await fetch(`${FAKE}/api/v1${path}`, { method, headers: { authorization: `Bearer ${env.FAKE_ADMIN_TOKEN}`, accept: "application/json" } });
  return { status: res.status, body: res.status === 204 ? undefined : await res.json() };
}

// The browser's own line for an HTTP error or a dropped connection: expected in a test that causes one.
const RESOURCE_ERROR = /^Failed to load resource: (?:the server responded with a status of (\d+)|net::(ERR_\w+))/;

/**
 * A fresh context and page at `viewport`; every console error and page error is recorded in
 * `problems`, except the browser's own "Failed to load resource" lines for the HTTP statuses or
 * net:: errors in `allow` (e.g. [403] or ["ERR_EMPTY_RESPONSE"]). Images on https (profile
 * pictures) are answered locally: nothing here reaches the internet.
 */
export async function openPage(browser, { viewport = { width: 1280, height: 800 }, allow = [] } = {}) {
  const context = await browser.newContext({ viewport });
  await context.route(/^https:\/\//, (route) =>
    route.fulfill({ status: 200, contentType: "image/svg+xml", body: AVATAR_SVG }),
  );
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => {
    if (m.type() !== "error") return;
    const known = RESOURCE_ERROR.exec(m.text());
    if (known && (allow.includes(Number(known[1])) || allow.includes(known[2]))) return;
    problems.push(`console error: ${m.text()}`);
  });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  return { context, page, problems };
}

const AVATAR_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 56 56"><rect width="56" height="56" fill="#c7e3df"/>' +
  '<circle cx="28" cy="22" r="10" fill="#0f766e"/><rect x="12" y="36" width="32" height="16" rx="8" fill="#0f766e"/></svg>';

/** Retries `check` (which throws until the page is right) for up to `ms`; then throws its last error. */
export async function eventually(check, ms = 10_000) {
  const end = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > end) throw e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}
