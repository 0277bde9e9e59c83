// `waapi-wasm/web`, for a page without a bundler: `await init()` once, then the same API.
export { default, initSync } from "./waapi_wasm.js";
export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
