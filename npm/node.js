// Node: read the wasm next to this file and instantiate it synchronously at import.
import { readFileSync } from "node:fs";
import { initSync } from "./waapi_wasm.js";

initSync({ module: readFileSync(new URL("./waapi_wasm_bg.wasm", import.meta.url)) });

import "./actions.js";

export { WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
