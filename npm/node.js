// Node, Deno, Bun (import): as browser.js, the wasm is inside the JS, so a server bundle
// (esbuild --platform=node, AWS Lambda) needs no .wasm beside it.
import { initSync } from "./waapi_wasm.js";
import wasmBytes from "./waapi_wasm_inline.js";
initSync({ module: wasmBytes() });
import "./actions.js";
export { WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
