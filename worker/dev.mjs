// Runs the edge handler in workerd through `wrangler dev` on 127.0.0.1, for `make edge`,
// `make demo` and the tests. The secrets go through a 0600 env file in the repo's .tmp/,
// never on a command line.
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

/**
 * Starts the worker and resolves once it answers. `vars` are extra [vars] (strings).
 * Returns { url, stop(), output() }. Aborting `signal` during start-up stops wrangler and
 * workerd, then rejects: a Ctrl-C before the worker first answers leaves nothing running.
 */
export async function startEdge({ port, baseUrl, token, edgeKeys, vars = {}, inherit = false, signal }) {
  signal?.throwIfAborted();
  const dir = `${root}.tmp/edge-${port}`;
  mkdirSync(`${dir}/tmp`, { recursive: true });
  const envFile = `${dir}/secrets.env`;
  writeFileSync(envFile, `WAAPI_TOKEN=${token}\nEDGE_KEYS=${edgeKeys}\n`, { mode: 0o600 });
  const args = ["dev", "--ip", "127.0.0.1", "--port", String(port), "--show-interactive-dev-session=false",
    "--env-file", envFile, "--var", `WAAPI_BASE_URL:${baseUrl}`];
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
    if (exited) throw new Error(`wrangler exited before answering:\n${log}`);
    if (Date.now() - started > 90_000) {
      await stop();
      throw new Error(`the edge did not answer within 90 s:\n${log}`);
    }
    try {
      // The worker's own 401 proves the Rust handler is up, not only wrangler's proxy.
      const res = await fetch(`${url}/api/v1/instances`, { signal: AbortSignal.timeout(2000) });
      if (res.status === 401) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 100));
  }
  return { url, stop, output: () => log, readyMs: Date.now() - started };
}

// `make edge`: in the foreground until Ctrl-C, configured from the environment. The signal
// handlers come first: a Ctrl-C (or SIGTERM) during start-up must stop wrangler and workerd too,
// which run in their own process group and would otherwise keep the port.
if (import.meta.url === `file://${process.argv[1]}`) {
  const { PORT = "8787", WAAPI_BASE_URL = "https://waapi.app/api/v1", WAAPI_TOKEN, EDGE_KEYS } = process.env;
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
    port: Number(PORT), baseUrl: WAAPI_BASE_URL, token: WAAPI_TOKEN, edgeKeys: EDGE_KEYS, inherit: true, signal: aborter.signal,
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
