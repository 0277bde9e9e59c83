// The same job with openapi-fetch (the `paths` types exist only at compile time; this is the runtime).
import createClient from "openapi-fetch";

export async function listInstances(baseUrl, token) {
  const client = createClient({
    baseUrl,
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
  });
  const { data, error, response } = await client.GET("/instances");
  if (error || !response.ok) throw new Error(`HTTP ${response.status}`);
  if (data.status !== "success" || !Array.isArray(data.instances)) throw new Error("unexpected answer");
  return data.instances;
}
