// Node, Deno, Bun (import): as browser.js, the wasm is inside the JS, so a server bundle
// (esbuild --platform=node, AWS Lambda) needs no .wasm beside it.
import { initSync } from "./waapi_wasm.js";
import wasmBytes from "./waapi_wasm_inline.js";
initSync({ module: wasmBytes() });
export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
