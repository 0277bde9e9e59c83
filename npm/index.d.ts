export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./waapi_wasm.js";
// Every other declaration is a type: the instance models, the errors, each action's
// parameters and answer (`SendMessageParams`, `SendMessageAnswer`, …), and the webhook events
// (`WebhookPayload`, `WebhookData`, `WebhookMessage`, …).
export type * from "./waapi_wasm.js";
