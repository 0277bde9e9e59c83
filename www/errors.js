// What a failed call means to a person: one sentence, never a stack or a JSON dump.
import { isWaapiError } from "./vendor/waapi-wasm/web.js";

/**
 * The sentence to show for `error`, a rejection from a WaapiClient call.
 * `action` completes "This token cannot …" (e.g. "create instances"); `id` is the instance the call was about.
 *
 *   explain(e, { action: "create instances" }) // "This token cannot create instances: it lacks the create permission."
 */
export function explain(error, { action = "do this", id } = {}) {
  if (!isWaapiError(error)) return "Something went wrong in this page. Reload it and try again.";
  switch (error.kind) {
    case "forbidden":
      return `This token cannot ${action}: it lacks the ${error.permission ?? "needed"} permission.`;
    case "not_found":
      return id === undefined
        ? "Nothing answers at this API base URL. Check the URL."
        : `Instance ${id} no longer exists.`;
    case "unauthorized":
      return "WaAPI did not accept this token. Check it and connect again.";
    case "rate_limited":
      return `WaAPI is rate limiting; try again in ${error.retryAfter} s.`;
    case "network":
      return "Cannot reach the API. Check the API base URL and your connection.";
    case "timeout":
      return "The API did not answer in time. Try again.";
    case "server":
      return `WaAPI had a problem (HTTP ${error.status}) and could not ${action}. Try again in a moment.`;
    case "decode":
      return "The API sent an answer this page cannot read. Check the API base URL.";
    case "validation":
      return `WaAPI refused the change: ${Object.values(error.errors ?? {}).flat().join(" ") || error.message}`;
    default: // invalid_input and api: the client's message is already one sentence for a person
      return error.message;
  }
}
