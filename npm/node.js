// Node: read the wasm next to this file and instantiate it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./waapi_wasm.js";

initSync({ module: readFileSync(new URL("./waapi_wasm_bg.wasm", import.meta.url)) });

export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
