// The same job with ky (throws HTTPError on a non-2xx status by itself).
import ky from "ky";

export async function listInstances(baseUrl, token) {
  const body = await ky
    .get("instances", {
      prefix: baseUrl,
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
    })
    .json();
  if (body.status !== "success" || !Array.isArray(body.instances)) throw new Error("unexpected answer");
  return body.instances;
}
