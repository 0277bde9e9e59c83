// The same job as WaapiClient.listInstances(), by hand: fetch with the bearer and JSON headers,
// check the status, parse, check the envelope, pick `instances`.
export async function listInstances(baseUrl, token) {
  const res = await fetch(`${baseUrl}/instances`, {
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = JSON.parse(await res.text());
  if (body.status !== "success" || !Array.isArray(body.instances)) throw new Error("unexpected answer");
  return body.instances;
}

// The same job as WaapiClient.sendMessage(): POST the JSON body, check the status, parse, check
// both envelope levels, pick the payload.
export async function sendMessage(baseUrl, token, instanceId, params) {
  const res = await fetch(`${baseUrl}/instances/${instanceId}/client/action/send-message`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, Accept: "application/json", "Content-Type": "application/json" },
    body: JSON.stringify(params),
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  const body = JSON.parse(await res.text());
  if (body.status !== "success" || body.data?.status !== "success") throw new Error("unexpected answer");
  return body.data.data;
}
