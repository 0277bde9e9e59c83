export { WaapiClient, isWaapiError } from "./waapi_wasm.js";
export type {
  ClientStatus,
  Instance,
  InstanceStatus,
  InstanceUpdate,
  Me,
  Permission,
  QrCode,
  WaapiClientOptions,
  WaapiError,
  WaapiErrorKind,
  WebhookEvent,
} from "./waapi_wasm.js";
