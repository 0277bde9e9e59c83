// Source of web.cjs (built by npm/build.mjs, not shipped as is). CommonJS has no import.meta.url
// to find the .wasm beside it by, so init() with no argument compiles the embedded copy.
import init, { initSync } from "./waapi_wasm.js";
import wasmBytes from "./waapi_wasm_inline.js";
import "./actions.js";
export default (options) => init(options === undefined ? { module_or_path: wasmBytes() } : options);
export { initSync, WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
