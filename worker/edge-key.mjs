// `make edge-key [PERMS=read]`: a fresh edge key and its EDGE_KEYS entry (the key's SHA-256).
import { createHash, randomBytes } from "node:crypto";

const PERMISSIONS = ["create", "read", "update", "delete"];

/** A new key with `permissions` (e.g. "read" or "create,read,update,delete"). */
export function newEdgeKey(permissions) {
  const list = permissions.split(",").map((p) => p.trim());
  for (const p of list) {
    if (!PERMISSIONS.includes(p)) throw new Error(`unknown permission "${p}"; use ${PERMISSIONS.join(", ")}`);
  }
  const key = `wek_${randomBytes(24).toString("base64url")}`;
  const sha256 = createHash("sha256").update(key).digest("hex");
  return { key, entry: `${sha256}:${list.join(",")}` };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { key, entry } = newEdgeKey(process.argv[2] || "read");
  console.log(`key:   ${key}\nentry: ${entry}`);
  console.log("Give the key to its user; append the entry to EDGE_KEYS (entries separated by ';').");
}
