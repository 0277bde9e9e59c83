// The same job with waapi-wasm's browser build, bundled like the others (the wasm is inside its JS).
import { WaapiClient } from "../../pkg/browser.js";

export async function listInstances(baseUrl, token) {
  return new WaapiClient(token, { baseUrl }).listInstances();
}
