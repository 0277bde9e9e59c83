// Runs the edge handler in workerd through `wrangler dev` on 127.0.0.1, for `make edge`,
// `make demo` and the tests. The secrets go through a 0600 env file in the repo's .tmp/,
// never on a command line.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/** A port free on 127.0.0.1 right now (the tests take theirs from here too). */
export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer().once("error", reject).listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/**
 * Throws on a malformed EDGE_KEYS entry, naming its position but never its text (it may hold a
 * key pasted in the wrong place). The worker's rules (worker/src/config.rs, parse_edge_keys):
 * entries split on ";" or new lines, numbered as written; `<64 hex digits>:<permissions>`,
 * the permissions a comma-separated list of create, read, update, delete. The worker would
 * leave such an entry out, and its key would be refused with no word of why.
 */
export function checkEdgeKeys(text) {
  const words = new Set(["create", "read", "update", "delete"]);
  const problems = [];
  let valid = 0;
  String(text ?? "").split(/[;\n]/).forEach((raw, n) => {
    const entry = raw.trim();
    if (!entry) return;
    const colon = entry.indexOf(":");
    const why =
      colon < 0 ? "it has no ':' between the hash and the permissions"
      : !/^[0-9a-fA-F]{64}$/.test(entry.slice(0, colon).trim()) ? "it does not start with 64 hex digits"
      : !entry.slice(colon + 1).split(",").every((p) => words.has(p.trim()))
        ? "its permissions are not a list of create, read, update and delete"
        : null;
    if (why) problems.push(`EDGE_KEYS entry ${n + 1} is malformed: ${why}`);
    else valid++;
  });
  if (!problems.length && !valid) problems.push("EDGE_KEYS has no entry");
  if (problems.length) throw new Error(`${problems.join("; ")}. Nothing was started.`);
}

/**
 * Starts the worker and resolves once it answers. `vars` are extra [vars] (strings), e.g.
 * `EDGE_ALLOW_PRIVATE_WEBHOOKS: "true"` for an edge on 127.0.0.1 that should accept its own
 * receiver's URL as an instance's webhook, or `MAX_UPSTREAM_BYTES`. A malformed `edgeKeys`
 * entry is refused before anything starts (the error names its position).
 * `webhookSecret` (optional) turns on the webhook receiver, POST /webhooks/waapi/<secret>.
 * `persistTo` (optional) is the directory of the Durable Objects' SQLite files, kept after
 * stop(), so an edge started again on it has the same events; without it every edge gets a
 * fresh one of its own, removed at stop() (two edges must never share one).
 * Returns { url, stop(), output() }. Aborting `signal` during start-up stops wrangler and
 * workerd, then rejects: a Ctrl-C before the worker first answers leaves nothing running.
 */
export async function startEdge(options) {
  try {
    return await startEdgeOnce(options);
  } catch (e) {
    // wrangler runs a custom build twice as it starts (cloudflare/workers-sdk#7934): "The file src
    // changed, restarting build...". Once, in a fresh-clone CI run, that restart left workerd
    // unable to start ("The Workers runtime failed to start"). That failure, and only that one,
    // gets one more start.
    if (options.signal?.aborted || !String(e?.message).includes("The Workers runtime failed to start")) throw e;
    return startEdgeOnce(options);
  }
}

async function startEdgeOnce({
  port, baseUrl, token, edgeKeys, webhookSecret, persistTo, vars = {}, inherit = false, signal, checkKeys = true,
}) {
  signal?.throwIfAborted();
  // `checkKeys: false` only for tests of what the worker itself does with a malformed entry.
  if (checkKeys) checkEdgeKeys(edgeKeys);
  const secrets = { WAAPI_TOKEN: token, EDGE_KEYS: edgeKeys };
  if (webhookSecret !== undefined) secrets.WEBHOOK_SECRET = webhookSecret;
  for (const [name, value] of Object.entries(secrets)) {
    if (/[\r\n]/.test(String(value))) throw new Error(`${name} must be one line`);
  }
  const dir = `${root}.tmp/edge-${port}`;
  mkdirSync(`${dir}/tmp`, { recursive: true });
  const state = persistTo ?? `${dir}/state`;
  mkdirSync(state, { recursive: true });
  const envFile = `${dir}/secrets.env`;
  writeFileSync(envFile, Object.entries(secrets).map(([k, v]) => `${k}=${v}\n`).join(""), { mode: 0o600 });
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false",
    "--env-file", envFile, "--persist-to", state, "--var", `WAAPI_BASE_URL:${baseUrl}`,
    // wrangler's default devtools port (9229 and up) collides when several edges start at once.
    "--inspector-port", String(await freePort())];
  for (const [k, v] of Object.entries(vars)) args.push("--var", `${k}:${v}`);
  const child = spawn(`${root}node_modules/.bin/wrangler`, args, {
    cwd: `${root}worker`,
    detached: true, // its own process group: stopping it must stop workerd too
    stdio: ["ignore", inherit ? "inherit" : "pipe", inherit ? "inherit" : "pipe"],
    env: {
      ...process.env,
      WRANGLER_SEND_METRICS: "false",
      WRANGLER_SEND_ERROR_REPORTS: "false",
      CLOUDFLARE_CF_FETCH_ENABLED: "false",
      XDG_CONFIG_HOME: `${root}.tmp/config`,
      TMPDIR: `${dir}/tmp`,
    },
  });
  let log = "";
  child.stdout?.on("data", (d) => (log += d));
  child.stderr?.on("data", (d) => (log += d));
  let exited = false;
  child.on("exit", () => (exited = true));

  const stop = async () => {
    if (!exited) {
      try {
        process.kill(-child.pid, "SIGTERM");
      } catch {}
      for (let i = 0; i < 50 && !exited; i++) await new Promise((r) => setTimeout(r, 100));
      if (!exited) {
        try {
          process.kill(-child.pid, "SIGKILL");
        } catch {}
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  for (;;) {
    if (signal?.aborted) {
      await stop();
      throw new Error("the edge was stopped before it answered");
    }
    if (exited) {
      try {
        process.kill(-child.pid, "SIGKILL"); // whatever it started and left behind
      } catch {}
      throw new Error(`wrangler exited before answering:\n${log}`);
    }
    if (Date.now() - started > 90_000) {
      await stop();
      throw new Error(`the edge did not answer within 90 s:\n${log}`);
    }
    try {
      // The worker's own 401 (or its own 500) proves the Rust handler is up, not only wrangler's proxy.
      const res = await fetch(`${url}/api/v1/instances`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 401) break;
      // A misconfigured worker is up too, and says so.
      if (res.status === 500 && (await res.text()).includes("The edge is misconfigured.")) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop, output: () => log, readyMs: Date.now() - started };
}

// `make edge`: in the foreground until Ctrl-C, configured from the environment. The signal
// handlers come first: a Ctrl-C (or SIGTERM) during start-up must stop wrangler and workerd too,
// which run in their own process group and would otherwise keep the port.
if (import.meta.url === `file://${process.argv[1]}`) {
  // WEBHOOK_SECRET (optional) turns on the receiver; the events stay in .tmp/events-<port>/.
  const { PORT = "8787", WAAPI_BASE_URL = "https://waapi.app/api/v1", WAAPI_TOKEN, EDGE_KEYS, WEBHOOK_SECRET } = process.env;
  // Optional vars passed on when set in the environment.
  const vars = Object.fromEntries(
    ["MAX_UPSTREAM_BYTES", "EDGE_WEBHOOK_HOSTS", "EDGE_ALLOW_PRIVATE_WEBHOOKS", "CACHE_TTL_MS", "ALLOWED_ORIGINS", "CONNECT_SRC", "IMG_SRC"]
      .filter((name) => process.env[name] !== undefined)
      .map((name) => [name, process.env[name]]),
  );
  if (!WAAPI_TOKEN || !EDGE_KEYS) {
    console.error("make edge needs WAAPI_TOKEN and EDGE_KEYS in the environment (make edge-key makes a key and its entry)");
    process.exit(2);
  }
  const aborter = new AbortController();
  let starting;
  let quitting = false;
  const quit = async () => {
    if (quitting) return;
    quitting = true;
    aborter.abort();
    // Started: stop it. Still starting: startEdge stops what it spawned, then rejects.
    await starting?.then((edge) => edge.stop(), () => {});
    process.exit(0);
  };
  process.on("SIGINT", quit);
  process.on("SIGTERM", quit);
  starting = startEdge({
    port: Number(PORT), baseUrl: WAAPI_BASE_URL, token: WAAPI_TOKEN, edgeKeys: EDGE_KEYS, webhookSecret: WEBHOOK_SECRET,
    persistTo: `${root}.tmp/events-${PORT}`, vars, inherit: true, signal: aborter.signal,
  });
  try {
    await starting;
    console.log(`edge handler on http://127.0.0.1:${PORT} (dashboard at /, API at /api/v1) -> ${WAAPI_BASE_URL}; Ctrl-C stops it`);
  } catch (e) {
    if (!quitting) {
      console.error(e.message);
      process.exit(1);
    }
  }
}
