// The same job with openapi-fetch (the `paths` types exist only at compile time; this is the runtime).
import createClient from "openapi-fetch";

// One client per base URL and token, made once, as an application would (and as the
// waapi-wasm contender reuses its WaapiClient).
const clients = new Map();

export async function listInstances(baseUrl, token) {
  const id = `${baseUrl} ${token}`;
  let client = clients.get(id);
  if (!client) {
    client = createClient({
      baseUrl,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
    });
    clients.set(id, client);
  }
  const { data, error, response } = await client.GET("/instances");
  if (error || !response.ok) throw new Error(`HTTP ${response.status}`);
  if (data.status !== "success" || !Array.isArray(data.instances)) throw new Error("unexpected answer");
  return data.instances;
}
