// Shared helpers for the benchmark: tables, statistics, the fake server, free ports.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const root = fileURLToPath(new URL("..", import.meta.url));

export const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

export const quantile = (xs, q) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

/** Prints rows (arrays) as a table: the first row is the header; numbers align right. */
export function table(title, rows) {
  const cells = rows.map((r) => r.map((v) => (v === undefined || v === null ? "" : String(v))));
  const widths = cells[0].map((_, c) => Math.max(...cells.map((r) => (r[c] ?? "").length)));
  const numeric = (c) => cells.slice(1).every((r) => r[c] === "" || /^[<–+\-0-9.]/.test(r[c]));
  const right = widths.map((_, c) => c > 0 && numeric(c));
  const line = (r) => r.map((v, c) => (right[c] ? v.padStart(widths[c]) : v.padEnd(widths[c]))).join("  ").trimEnd();
  console.log(`\n${title}`);
  console.log(line(cells[0]));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const r of cells.slice(1)) console.log(line(r));
}

/** 12345 → "12 345" */
export const int = (n) => Math.round(n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, " ");
export const fixed = (n, d = 2) => n.toFixed(d);

/** "met" or "missed by X" for a ratio against a target; `lower` when lower is better. */
export function verdict(ratio, target, lower) {
  const ok = lower ? ratio <= target : ratio >= target;
  if (ok) return "met";
  const by = lower ? ratio / target - 1 : 1 - ratio / target;
  return `missed by ${(by * 100).toFixed(0)} %`;
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Starts the release fake on a free port; resolves to { base, api, stop() }. */
export async function startFake() {
  const child = spawn(`${root}target/release/fake-waapi`, ["--port", "0", "--boot-ms", "0"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const base = await new Promise((resolve, reject) => {
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)/);
      if (m) resolve(m[1]);
    });
    child.on("exit", (code) => reject(new Error(`fake-waapi exited (${code}) before listening`)));
  });
  child.stdout.resume();
  const control = async (method, path, body) => {
    const res = await fetch(`${base}/__fake/${path}`, {
      method,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${method} /__fake/${path}: ${res.status} ${await res.text()}`);
  };
  return {
    base,
    api: `${base}/api/v1`,
    token: "fake-admin-token",
    seed: (count) => control("POST", "seed", { count }),
    reset: () => control("POST", "reset"),
    // The fake logs every request; clear it between rounds so the log never grows large.
    clearLog: () => control("DELETE", "requests"),
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.on("exit", resolve);
        child.kill("SIGTERM");
      }),
  };
}
