// Bundlers (Vite, webpack, esbuild) resolve the URL below to the emitted .wasm asset.
import init from "./waapi_wasm.js";
await init({ module_or_path: new URL("./waapi_wasm_bg.wasm", import.meta.url) });

export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
