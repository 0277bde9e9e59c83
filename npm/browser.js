// Browsers and bundlers: the wasm is inside the JS (waapi_wasm_inline.js), so there is no .wasm
// to emit and no top-level await (synchronous compile: Chrome ≥ 114, Firefox, Safari).
import { initSync } from "./waapi_wasm.js";
import wasmBytes from "./waapi_wasm_inline.js";
initSync({ module: wasmBytes() });
export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
