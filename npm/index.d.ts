export { WaapiClient, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
// Every other declaration is a type: the instance models, the errors, and each action's
// parameters and answer (`SendMessageParams`, `SendMessageAnswer`, …).
export type * from "./waapi_wasm.js";
