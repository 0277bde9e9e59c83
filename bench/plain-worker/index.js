// The plain JS contender for the edge benchmark: a module worker that does the minimum a WaAPI
// gateway must, and nothing more. For GET /api/v1/instances (anything else: 404) it
//   1. takes the caller's `Authorization: Bearer <key>` and compares the key's SHA-256 with the
//      one entry of EDGE_KEYS ("<sha256 hex>:<permissions>", the edge's format) → 401 if absent or wrong;
//   2. fetches `${WAAPI_BASE_URL}/instances` with `Authorization: Bearer ${WAAPI_TOKEN}`,
//      `Accept: application/json` and `Content-Type: application/json`;
//   3. returns the upstream body unread (streamed through) with the upstream status,
//      `Content-Type: application/json` and `Cache-Control: no-store`.
// No decoding, no re-encoding, no retries, no timeout, no CORS, no cache.
// With the var REENCODE = "1" (an extra row of the bench, not the ratio) step 3 instead reads the
// body, JSON.parses it, checks `status === "success"` and answers JSON.stringify({instances, status}),
// the decode + re-encode the Rust edge used to do, to separate that cost from the wasm's.
// With READ = "1" (another extra row) step 3 reads the body whole as bytes and answers them: the
// least any gateway that checks the answer before passing it on must do.
const hex = (buf) => [...new Uint8Array(buf)].map((b) => b.toString(16).padStart(2, "0")).join("");

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (request.method !== "GET" || url.pathname !== "/api/v1/instances") {
      return new Response('{"message":"Not found."}', { status: 404, headers: { "Content-Type": "application/json" } });
    }
    const auth = request.headers.get("authorization") ?? "";
    const key = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    const expected = env.EDGE_KEYS.split(":")[0];
    if (!key || hex(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))) !== expected) {
      return new Response('{"message":"Unauthenticated."}', { status: 401, headers: { "Content-Type": "application/json" } });
    }
    const upstream = await fetch(`${env.WAAPI_BASE_URL}/instances`, {
      headers: { Authorization: `Bearer ${env.WAAPI_TOKEN}`, Accept: "application/json", "Content-Type": "application/json" },
    });
    if (env.READ === "1") {
      return new Response(await upstream.arrayBuffer(), {
        status: upstream.status,
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      });
    }
    if (env.REENCODE === "1") {
      const body = JSON.parse(await upstream.text());
      if (!upstream.ok || body.status !== "success" || !Array.isArray(body.instances)) {
        return new Response('{"message":"Bad gateway."}', { status: 502, headers: { "Content-Type": "application/json" } });
      }
      return new Response(JSON.stringify({ instances: body.instances, status: "success" }), {
        headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
      });
    }
    return new Response(upstream.body, {
      status: upstream.status,
      headers: { "Content-Type": "application/json", "Cache-Control": "no-store" },
    });
  },
};
