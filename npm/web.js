// `waapi-wasm/web`, for a page without a bundler: `await init()` once, then the same API.
import "./actions.js";

export { default, initSync, WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
