// Runs the dashboard's e2e tests through the edge handler: starts worker/ in workerd (wrangler dev)
// in front of the live fake, with a fresh admin key and a read-only key, and points the tests at it
// with E2E_PAGE_URL, E2E_API_BASE, E2E_ADMIN_TOKEN and E2E_VIEWER_TOKEN. The page then comes from
// the edge with the edge's own CSP. Run through tests/with-fakes.sh, after `make worker www`:
//   tests/with-fakes.sh node tests/e2e/via-edge.mjs [node --test flags] [test files; default all of tests/e2e/]
// The files run one at a time: they share the fake and reset it.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { freePort, startEdge } from "../../worker/dev.mjs";
import { newEdgeKey } from "../../worker/edge-key.mjs";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { FAKE_LIVE_URL, FAKE_ADMIN_TOKEN } = process.env;
if (!FAKE_LIVE_URL) {
  console.error("run through tests/with-fakes.sh");
  process.exit(2);
}

const admin = newEdgeKey("create,read,update,delete");
const viewer = newEdgeKey("read");
const edge = await startEdge({
  port: await freePort(),
  baseUrl: `${FAKE_LIVE_URL}/api/v1`,
  token: FAKE_ADMIN_TOKEN,
  edgeKeys: `${admin.entry};${viewer.entry}`,
  // The tests inject faults on the fake and press Refresh; a cached list would hide the fault.
  vars: { CACHE_TTL_MS: "0", IMG_SRC: "https://pps.example.com", EDGE_ALLOW_PRIVATE_WEBHOOKS: "true" },
});
let code = 1;
try {
  const args = process.argv.slice(2);
  const files = args.filter((a) => a.endsWith(".mjs"));
  const flags = args.filter((a) => !a.endsWith(".mjs"));
  const child = spawn(process.execPath, ["--test", "--test-concurrency=1", ...flags, ...(files.length ? files : ["tests/e2e/"])], {
    cwd: root,
    stdio: "inherit",
    env: {
      ...process.env,
      E2E_PAGE_URL: `${edge.url}/`,
      E2E_API_BASE: `${edge.url}/api/v1`,
      E2E_ADMIN_TOKEN: admin.key,
      E2E_VIEWER_TOKEN: viewer.key,
    },
  });
  code = await new Promise((resolve) => child.on("exit", (c) => resolve(c ?? 1)));
} finally {
  await edge.stop();
}
process.exit(code);
