// Bundlers (Vite, webpack, esbuild) resolve the URL below to the emitted .wasm asset.
import init from "./waapi_wasm.js";
import "./actions.js";

await init({ module_or_path: new URL("./waapi_wasm_bg.wasm", import.meta.url) });

export { WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
