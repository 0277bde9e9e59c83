// plain.js plus what every call of waapi-wasm also does: an AbortController timeout that
// bounds the attempt, the body read included, cleared when the call ends.
export async function listInstances(baseUrl, token, timeoutMs = 30000) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  try {
    const res = await fetch(`${baseUrl}/instances`, {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
      signal: controller.signal,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const body = JSON.parse(await res.text());
    if (body.status !== "success" || !Array.isArray(body.instances)) throw new Error("unexpected answer");
    return body.instances;
  } finally {
    clearTimeout(timer);
  }
}
