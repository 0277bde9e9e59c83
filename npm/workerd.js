// Cloudflare Workers (workerd, wrangler): the bundler hands over the .wasm as a WebAssembly.Module.
import wasmModule from "./waapi_wasm_bg.wasm";
import { initSync } from "./waapi_wasm.js";

initSync({ module: wasmModule });

export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
