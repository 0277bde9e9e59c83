//! The JavaScript facade (`--features js`): `WaapiClient`, a thin layer over [`Client`], and
//! `parseWebhookEvent` over [`normalize`].
//!
//! Every argument arrives as a plain `JsValue` and is checked here, so a wrong type from
//! untyped JavaScript is an `invalid_input` rejection rather than a trap. Answers cross the
//! boundary as JSON text parsed by the runtime's `JSON.parse`, one call per answer.

use alloc::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;

use crate::action;
use crate::client::{
    Client, Next, Options, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS,
    MAX_MAX_RESPONSE_BYTES, MAX_MAX_RETRIES, MAX_TIMEOUT_MS,
};
use crate::envelope::{Body, Reply};
use crate::error::{Error, ErrorKind};
use crate::json::Json;
use crate::models::{to_json_string, ToJson, WebhookEvent};
use crate::prelude::*;
use crate::request::{InstanceUpdate, Request, MAX_SAFE_INTEGER};
use crate::text::{cat, Listed};
use crate::transport::{js_message, Failure, RawResponse, USER_AGENT};
use crate::webhook::normalize;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &'static str = r#"
/** An event an instance can send to its webhook. Names a newer server adds arrive as plain strings. */
export type WebhookEvent =
  | "message" | "loading_screen" | "qr" | "authenticated" | "auth_failure" | "ready"
  | "disconnected" | "message_create" | "message_edit" | "message_revoke_everyone"
  | "message_revoke_me" | "message_ack" | "message_reaction" | "media_uploaded" | "group_join"
  | "group_leave" | "group_update" | "change_state" | "call" | "vote_update"
  | "community_created" | "community_updated" | "community_subgroup_linked"
  | "community_subgroup_unlinked" | "community_deactivated" | "presence_update"
  | (string & {});

/** Where an instance's WhatsApp client is: booting → loading_screen → qr → authenticated → ready. */
export type InstanceStatus =
  | "booting" | "loading_screen" | "qr" | "authenticated" | "auth_failure" | "ready" | "disconnected"
  | (string & {});

/** A WaAPI instance. Field names are the API's own. */
export interface Instance {
  /** A positive whole number; every other method takes it as `id`. */
  id: number;
  /** `null` until one is set with `updateInstance`. */
  name: string | null;
  /** E-mail of the owning user. */
  owner: string;
  /** Where WaAPI posts this instance's events, or `null`. */
  webhook_url: string | null;
  /** The events posted to `webhook_url`. */
  webhook_events: WebhookEvent[];
  /** Whether the instance runs on a trial. */
  is_trial: boolean;
}

/** The state of an instance's client, as `clientStatus` and `updateInstance` resolve. */
export interface ClientStatus {
  instanceId: number;
  /** The instance's name, or `null`. */
  name: string | null;
  /** Where the WhatsApp client is: `qr` waits for a scan, `ready` can send. */
  instanceStatus: InstanceStatus;
  /** The webhook URL, or `null`. */
  instanceWebhook: string | null;
  /** The events posted to the webhook. */
  instanceEvents: WebhookEvent[];
}

/** A QR code as a data URL, ready for `<img src>`: checked to be base64 after the prefix. */
export type QrCode = `data:image/png;base64,${string}`;

/** The WhatsApp account an instance is logged in as. */
export interface Me {
  /** The account's WhatsApp name. */
  displayName: string;
  /** `<number>@c.us` */
  contactId: string;
  /** The account's number, formatted for display. */
  formattedNumber: string;
  /** An `https:` URL; anything else WaAPI sends is `null`. */
  profilePicUrl: string | null;
}

/** What `updateInstance` changes; keys left out stay as they are. */
export interface InstanceUpdate {
  /** The new name (not empty). */
  name?: string;
  webhook?: {
    /** `null` removes the webhook URL. */
    url?: string | null;
    /** `[]` unsubscribes from every event. */
    events?: WebhookEvent[];
  };
}

/**
 * What the client reads of an `AbortSignal`: the DOM's, Node's and workerd's all fit, so the
 * types need no DOM lib.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  /** Becomes the `cause` of the `aborted` error. */
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** The runtime's `AbortSignal` when its types are loaded (DOM, Node), else {@link AbortSignalLike}. */
export type RuntimeAbortSignal = typeof globalThis extends { AbortSignal: { prototype: infer S } } ? S : AbortSignalLike;

/** What a custom `fetch` is called with: `fetch(url, init)`. `headers` hold the token: keep them out of logs. */
export interface FetchInit {
  method: "GET" | "POST" | "PUT" | "DELETE";
  headers: Record<string, string>;
  /** JSON text; absent for requests without a body. */
  body?: string;
  /** Fires on the client's timeout, or when the call's own signal aborts. */
  signal: RuntimeAbortSignal;
  /** Redirects are never followed. */
  redirect: "manual";
}

/** What the client reads of a `Response`: a `fetch` Response fits. */
export interface ResponseLike {
  readonly status: number;
  /** `"opaqueredirect"` in browsers for a redirect. */
  readonly type?: string;
  readonly headers: { get(name: string): string | null };
  readonly body: {
    getReader(): { read(): PromiseLike<{ done: boolean; value?: Uint8Array | undefined }>; cancel(): PromiseLike<unknown> };
    cancel(): PromiseLike<unknown>;
  } | null;
}

/** A `fetch`: the global one fits, and so does any function with its shape (a proxy, a recorder, a test double). */
export type FetchLike = (url: string, init: FetchInit) => PromiseLike<ResponseLike>;

/** What `onRequest` gets, before each attempt's fetch. Never a header or the token. */
export interface RequestEvent {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** The full URL, query included. */
  url: string;
  /** 1 for the first attempt, 2 for the first retry, … */
  attempt: number;
}

/** What `onResponse` gets, once an attempt's answer was read (or refused: too large, a redirect). */
export interface ResponseEvent {
  /** The HTTP status (0 for a browser's opaque redirect). */
  status: number;
  /** Milliseconds from the fetch to the end of the body. */
  ms: number;
  attempt: number;
}

/** What `onRetry` gets, before the client waits to try again. */
export interface RetryEvent {
  /** The number of the attempt that follows the wait (2 for the first retry). */
  attempt: number;
  /** How long the client waits first: Retry-After when the server sent one, else backoff with jitter. */
  delayMs: number;
  /** Why: the kind the call would have rejected with. */
  reason: "rate_limited" | "server" | "timeout" | "network";
  /** The HTTP status, for `rate_limited` (429) and `server` (502, 503, 504). */
  status?: number;
}

/**
 * Options of one call, the last argument of every method.
 * @example
 * await waapi.listInstances(undefined, { signal: AbortSignal.timeout(10_000) });
 * await waapi.sendMessage(1, { chatId, message }, { timeoutMs: 5000 });
 */
export interface CallOptions {
  /**
   * Cancels the call: one already aborted rejects at once, before anything is sent; one that
   * aborts later stops the fetch in flight or the wait before a retry. Either way the call
   * rejects with kind `aborted`, its `cause` the signal's `reason`.
   */
  signal?: AbortSignalLike | null;
  /** Replaces the client's `timeoutMs` for this call's attempts (1 to 2147483647). */
  timeoutMs?: number;
}

/** How a `WaapiClient` reaches WaAPI. Every option is optional; unknown keys are refused. */
export interface WaapiClientOptions {
  /** Default `https://waapi.app/api/v1`. */
  baseUrl?: string;
  /** Bounds each attempt, the body read included. Default 30000. A call's own `timeoutMs` replaces it. */
  timeoutMs?: number;
  /** Retries of 429 (any method) and of 502/503/504, timeouts and network errors (GET, PUT, DELETE). Default 2. */
  maxRetries?: number;
  /**
   * The largest answer read, in bytes, from 1 to 1 GiB. Default 8388608 (8 MiB): far above any
   * instance answer; raise it for media actions (`downloadMedia`, `includeMedia`), whose files
   * come back as base64. A larger Content-Length is refused before reading, a longer body stops
   * being read at the limit: both reject with kind `response_too_large`.
   */
  maxResponseBytes?: number;
  /**
   * Lets `updateInstance` set a webhook URL on a loopback, private or internal host (`127.0.0.1`,
   * `10.0.0.0/8`, `192.168.0.0/16`, `localhost`, a name without a dot), e.g. a local receiver or
   * a test fake. Default false. Link-local and cloud metadata hosts (`169.254.169.254`,
   * `metadata.google.internal`) are refused either way.
   */
  allowPrivateWebhookHosts?: boolean;
  /**
   * The `fetch` every attempt calls, e.g. a proxy's or a recorder. Default: the global `fetch`,
   * looked up at each attempt (so a patched one is used). It is called as `fetch(url, init)`;
   * a rejection is a `network` error with the rejection as `cause`.
   */
  fetch?: FetchLike;
  /**
   * Called before each attempt's fetch. Hooks get no header and never the token; one that
   * throws or rejects is ignored (the call goes on), so catch inside it to see its own errors.
   * It is not awaited.
   * @example
   * new WaapiClient(token, { onRequest: ({ method, url, attempt }) => console.log(method, url, attempt) });
   */
  onRequest?: (event: RequestEvent) => void;
  /** Called when an attempt's answer was read, whatever its status. Ignored if it throws; not awaited. */
  onResponse?: (event: ResponseEvent) => void;
  /** Called before the wait for a retry. Ignored if it throws; not awaited. */
  onRetry?: (event: RetryEvent) => void;
}

/** Every `kind` a `WaapiError` can have. */
export type WaapiErrorKind = WaapiError["kind"];

/** A permission of a WaAPI token; a `forbidden` error names the one a call needs. */
export type Permission = "create" | "read" | "update" | "delete";

/**
 * What every `WaapiError` has. It never holds the token. The fields of one kind are declared
 * optional on all, so reading them needs no narrowing; narrowing by `kind` makes them present.
 */
interface WaapiErrorBase<K extends string> extends Error {
  name: "WaapiError";
  kind: K;
  /** The HTTP status, when there was an answer. */
  status?: number | undefined;
  /** For `rate_limited`: seconds to wait, when the server said. */
  retryAfter?: number | undefined;
  /** For `forbidden`: the permission the operation needs. */
  permission?: Permission | undefined;
  /** For `validation`: the API's messages per field. */
  errors?: Record<string, string[]> | undefined;
  /** For `network`: the runtime's error; for `aborted`: the signal's reason. */
  cause?: unknown;
}

/**
 * Refused before sending: a bad argument or option, a client used after `free()`, or the
 * `waapi-wasm/web` entry used before `init()`.
 */
export interface InvalidInputError extends WaapiErrorBase<"invalid_input"> { status?: undefined }
/** HTTP 401: the token was not accepted. */
export interface UnauthorizedError extends WaapiErrorBase<"unauthorized"> { status: 401 }
/** HTTP 403: the token lacks `permission`. */
export interface ForbiddenError extends WaapiErrorBase<"forbidden"> {
  status: 403;
  /** The permission the operation needs. */
  permission: Permission;
}
/** HTTP 404: no such instance (or route). */
export interface NotFoundError extends WaapiErrorBase<"not_found"> { status: 404 }
/** HTTP 409: the instance's WhatsApp client is not `ready`. */
export interface NotReadyError extends WaapiErrorBase<"not_ready"> { status: 409 }
/** HTTP 422: WaAPI refused a field. */
export interface ValidationError extends WaapiErrorBase<"validation"> {
  status: 422;
  /** The API's messages per field, e.g. `{"webhook.url": ["…"]}`. */
  errors: Record<string, string[]>;
}
/** HTTP 429, after the retries. */
export interface RateLimitedError extends WaapiErrorBase<"rate_limited"> {
  status: 429;
  /** Seconds to wait, when the server said (Retry-After). */
  retryAfter?: number;
}
/** WaAPI answered `status: "error"` (with HTTP 200 or 400), e.g. asking for a QR code that is not there. */
export interface ApiError extends WaapiErrorBase<"api"> { status: number }
/** HTTP 5xx, after the retries. */
export interface ServerError extends WaapiErrorBase<"server"> { status: number }
/** No complete answer within `timeoutMs`, after the retries. */
export interface TimeoutError extends WaapiErrorBase<"timeout"> { status?: undefined }
/** The call's `signal` aborted (before sending, during a fetch or during a retry's wait). */
export interface AbortedError extends WaapiErrorBase<"aborted"> {
  status?: undefined;
  /** The signal's `reason`. */
  cause: unknown;
}
/** WaAPI could not be reached or its answer not read, after the retries. */
export interface NetworkError extends WaapiErrorBase<"network"> {
  status?: undefined;
  /** What the runtime threw (e.g. Node's `TypeError: fetch failed`, its own `cause` the socket error). */
  cause: unknown;
}
/** The answer is not the JSON the operation answers, or holds a value refused (a QR code that is not a base64 PNG). */
export interface DecodeError extends WaapiErrorBase<"decode"> { status: number }
/** The answer was larger than `maxResponseBytes`; it was not read to its end. */
export interface ResponseTooLargeError extends WaapiErrorBase<"response_too_large"> { status: number }
/** WaAPI answered with a redirect (3xx), which is never followed; `status` is absent when a browser hid it. */
export interface RedirectError extends WaapiErrorBase<"redirect"> { status?: number }

/**
 * How every call of `WaapiClient` fails: a union discriminated by `kind`, so `switch (e.kind)`
 * narrows to the fields each kind carries. It never holds the token.
 * @example
 * try {
 *   await waapi.createInstance();
 * } catch (e) {
 *   if (!(e instanceof WaapiError)) throw e;
 *   if (e.kind === "forbidden") console.log(`the token lacks ${e.permission}`);
 *   else if (e.kind === "rate_limited") console.log(`retry in ${e.retryAfter ?? 1} s`);
 * }
 */
export type WaapiError =
  | InvalidInputError | UnauthorizedError | ForbiddenError | NotFoundError | NotReadyError
  | ValidationError | RateLimitedError | ApiError | ServerError | TimeoutError | AbortedError
  | NetworkError | DecodeError | ResponseTooLargeError | RedirectError;

/**
 * The class of every error this package throws: `e instanceof WaapiError` narrows to the union.
 * It matches errors of any copy of the package (an ESM and a CJS build, two versions).
 */
export declare const WaapiError: {
  readonly prototype: WaapiError;
  [Symbol.hasInstance](value: unknown): value is WaapiError;
};

/** The package's version; requests send `User-Agent: waapi-wasm/<version>` where the runtime allows it (not in browsers). */
export declare const VERSION: string;

/** Whether `value` is an error thrown by this package (the same test as `instanceof WaapiError`). */
export function isWaapiError(value: unknown): value is WaapiError;

/**
 * Checks a webhook WaAPI posted (JSON text, or the object `request.json()` gave) and returns it
 * as a plain object: `instanceId` a number even when sent as a string, `data` `{}` when sent as
 * PHP's `[]`, every other member kept. For the events typed in {@link WebhookData}, `data` and
 * the object the event is about (`data.message`, `data.reaction`, …) are always objects.
 * Throws a `WaapiError` of kind `invalid_input` when the body cannot be an event.
 * @example
 * const e = parseWebhookEvent(await request.text());
 * if (e.event === "message") console.log(e.data.message.from, e.data.message.body);
 */
export function parseWebhookEvent(body: string | object): WebhookPayload;

/** A message's id; `_serialized` is `{fromMe}_{chatId}_{id}` (plus `_{participant}` in groups). */
export interface WebhookMessageId {
  _serialized?: string;
  fromMe?: boolean;
  /** The chat: `<number>@c.us` or `<id>@g.us`. */
  remote?: string;
  id?: string;
  /** In groups: who sent it. */
  participant?: string;
  [key: string]: unknown;
}

/** A WhatsApp message as webhooks carry it. Fields are as sent: each may be missing. */
export interface WebhookMessage {
  id?: WebhookMessageId;
  body?: string;
  /** `chat`, `image`, `video`, `document`, `audio`, `ptt`, `sticker`, `location`, … */
  type?: string;
  /** The sender: `<number>@c.us` (or a group id). */
  from?: string;
  to?: string;
  /** In groups: who wrote it. */
  author?: string;
  /** Unix seconds. */
  timestamp?: number;
  fromMe?: boolean;
  hasMedia?: boolean;
  /** -1 error, 0 pending, 1 server, 2 device, 3 read, 4 played. */
  ack?: number;
  hasQuotedMsg?: boolean;
  isForwarded?: boolean;
  /** WhatsApp Web's raw message, when the service includes it. */
  _data?: { [key: string]: JsonValue };
  [key: string]: unknown;
}

/** A reaction to a message; `reaction` is empty when it was removed. */
export interface WebhookReaction {
  id?: WebhookMessageId;
  /** The message reacted to. */
  msgId?: WebhookMessageId;
  reaction?: string;
  senderId?: string;
  timestamp?: number;
  read?: boolean;
  ack?: number;
  [key: string]: unknown;
}

/** Who joined or left a group, or what changed (`type`: add, invite, remove, leave, subject, description, …). */
export interface WebhookGroupNotification {
  id?: WebhookMessageId;
  body?: string;
  type?: string;
  timestamp?: number;
  /** The group: `<id>@g.us`. */
  chatId?: string;
  author?: string;
  recipientIds?: string[];
  [key: string]: unknown;
}

/** A poll vote; `selectedOptions` is empty when the vote was removed. */
export interface WebhookVote {
  voter?: string;
  selectedOptions?: { name?: string; localId?: number; [key: string]: unknown }[];
  /** Unix milliseconds (the service's own spelling). */
  interractedAtTs?: number;
  /** The poll's message. */
  parentMessage?: WebhookMessage;
  [key: string]: unknown;
}

/** An incoming call (the API cannot answer it). */
export interface WebhookCall {
  id?: string;
  /** The caller: `<number>@c.us`. */
  from?: string;
  timestamp?: number;
  isVideo?: boolean;
  isGroup?: boolean;
  fromMe?: boolean;
  [key: string]: unknown;
}

/** The `data` of each event this package types, by event name. */
export interface WebhookData {
  message: { message: WebhookMessage; [key: string]: unknown };
  message_create: { message: WebhookMessage; [key: string]: unknown };
  message_ack: { ack?: number; message: WebhookMessage; [key: string]: unknown };
  message_revoke_me: { message: WebhookMessage; [key: string]: unknown };
  message_revoke_everyone: { after: WebhookMessage; before?: WebhookMessage | null; [key: string]: unknown };
  message_reaction: { reaction: WebhookReaction; [key: string]: unknown };
  group_join: { notification: WebhookGroupNotification; [key: string]: unknown };
  group_leave: { notification: WebhookGroupNotification; [key: string]: unknown };
  group_update: { notification: WebhookGroupNotification; [key: string]: unknown };
  vote_update: { vote: WebhookVote; [key: string]: unknown };
  call: { call: WebhookCall; [key: string]: unknown };
  ready: { status?: string; [key: string]: unknown };
  qr: { qr?: string; base64?: string; [key: string]: unknown };
  /** `reason`: LOGOUT, CONFLICT, … */
  disconnected: { reason?: string; [key: string]: unknown };
  /** `state`: CONNECTED, OPENING, CONFLICT, … */
  change_state: { state?: string; [key: string]: unknown };
}

/** Known events whose `data` is plain JSON. */
export type UntypedWebhookEvent =
  | "loading_screen" | "authenticated" | "auth_failure" | "message_edit" | "media_uploaded"
  | "community_created" | "community_updated" | "community_subgroup_linked"
  | "community_subgroup_unlinked" | "community_deactivated" | "presence_update";

declare const unknownWebhookEvent: unique symbol;

/**
 * The name of an event this package does not know. A string at run time (`String(e.event)`);
 * typed apart from `string` so that `e.event === "message"` narrows to the message event alone.
 */
export interface UnknownWebhookEventName extends String {
  readonly [unknownWebhookEvent]: true;
}

/** A webhook of a known event; `E` is its name. */
export type KnownWebhookPayload<E extends keyof WebhookData | UntypedWebhookEvent = keyof WebhookData | UntypedWebhookEvent> = {
  [N in E]: N extends keyof WebhookData
    ? { event: N; instanceId: number; data: WebhookData[N]; [key: string]: unknown }
    : { event: N; instanceId: number; data?: JsonValue; [key: string]: unknown };
}[E];

/** A webhook of an event this package does not know yet, kept as sent. */
export interface UnknownWebhookPayload {
  event: UnknownWebhookEventName;
  instanceId: number;
  data?: JsonValue;
  [key: string]: unknown;
}

/** What `parseWebhookEvent` returns: a union discriminated by `event`. */
export type WebhookPayload = KnownWebhookPayload | UnknownWebhookPayload;

/**
 * A WaAPI client. Every method returns a Promise; bad input rejects (kind `invalid_input`)
 * before anything is sent. Each method's last argument is the call's own {@link CallOptions}.
 * Every method may also reject with `unauthorized`, `rate_limited`, `server`, `timeout`,
 * `aborted`, `network`, `decode`, `response_too_large` or `redirect`; each method names the
 * kinds of its own.
 * @example
 * const waapi = new WaapiClient(process.env.WAAPI_TOKEN!, { timeoutMs: 10_000 });
 * const instances = await waapi.listInstances();
 */
export class WaapiClient {
  /**
   * @param token The WaAPI API token (sent as `Authorization: Bearer …`, never in an error or hook).
   * @throws {WaapiError} `invalid_input` for an empty token, a bad or unknown option, or the
   * `waapi-wasm/web` entry before `await init()`.
   */
  constructor(token: string, options?: WaapiClientOptions);
  /**
   * GET /instances, or /instances?filter=… for instances whose id or name matches.
   * @example
   * const shops = await waapi.listInstances("shop", { signal: AbortSignal.timeout(5000) });
   * @throws {WaapiError} `invalid_input` (a filter that is not a string), `forbidden` without the read permission, and the kinds of every call.
   */
  listInstances(filter?: string, options?: CallOptions): Promise<Instance[]>;
  /**
   * GET /instances/{id}
   * @throws {WaapiError} `invalid_input` (an id that is not a positive whole number), `not_found`, `forbidden`, and the kinds of every call.
   */
  getInstance(id: number, options?: CallOptions): Promise<Instance>;
  /**
   * POST /instances; never sent twice (no retry but of a 429).
   * @throws {WaapiError} `forbidden` without the create permission, `validation`, and the kinds of every call.
   */
  createInstance(options?: CallOptions): Promise<Instance>;
  /**
   * PUT /instances/{id}. A webhook URL on a loopback or private host rejects with `invalid_input`
   * unless `allowPrivateWebhookHosts`; one on a link-local or cloud metadata host always does.
   * @example
   * await waapi.updateInstance(1, { webhook: { url: "https://example.com/hook", events: ["message"] } });
   * @throws {WaapiError} `invalid_input` (a bad id, key, URL or event name), `validation` (WaAPI refused a field; see `errors`), `forbidden` without the update permission, `not_found`, and the kinds of every call.
   */
  updateInstance(id: number, update: InstanceUpdate, options?: CallOptions): Promise<ClientStatus>;
  /**
   * DELETE /instances/{id}
   * @throws {WaapiError} `invalid_input`, `not_found`, `forbidden` without the delete permission, and the kinds of every call.
   */
  deleteInstance(id: number, options?: CallOptions): Promise<undefined>;
  /**
   * GET /instances/{id}/client/status
   * @throws {WaapiError} `invalid_input`, `not_found`, `forbidden`, and the kinds of every call.
   */
  clientStatus(id: number, options?: CallOptions): Promise<ClientStatus>;
  /**
   * GET /instances/{id}/client/qr, while the status is `qr`.
   * @throws {WaapiError} `api` unless the status is `qr`, `decode` for a QR code that is not a base64 PNG, `invalid_input`, `not_found`, and the kinds of every call.
   */
  qrCode(id: number, options?: CallOptions): Promise<QrCode>;
  /**
   * GET /instances/{id}/client/me, once the status is `ready`.
   * @throws {WaapiError} `not_ready` (or `api`) before the status is `ready`, `invalid_input`, `not_found`, and the kinds of every call.
   */
  me(id: number, options?: CallOptions): Promise<Me>;
  /**
   * Runs any client action by its wire name, one this package does not know yet included:
   * `params` (a plain object, default `{}`) is sent as given, unchecked, and the call resolves
   * to the payload of WaAPI's answer. The typed methods (`sendMessage`, …) check their
   * parameters first; prefer them.
   * @example
   * const chat = await waapi.action(1, "get-chat-by-id", { chatId: "4915112345678@c.us" });
   * @throws {WaapiError} `invalid_input` (a bad id, name or params), `api` for an error WaAPI reports, `not_ready`, `forbidden`, and the kinds of every call.
   */
  action(instanceId: number, name: string, params?: { [key: string]: JsonValue }, options?: CallOptions): Promise<JsonValue>;
  /**
   * Frees the client's memory in wasm now rather than when it is garbage-collected. Calls made
   * later reject with `invalid_input`; calls in flight finish. Calling it twice is harmless.
   */
  free(): void;
  /** `free()`, so that `using waapi = new WaapiClient(token)` frees it at the end of the block. */
  [Symbol.dispose](): void;
}

declare global {
  interface SymbolConstructor {
    /** `Symbol.dispose` (ES2026 explicit resource management), declared for libs older than `esnext.disposable`. */
    readonly dispose: unique symbol;
  }
}
"#;

/// A WaAPI client for JavaScript. `npm/actions.js` extends it: the public methods there
/// check that the client was not freed, give errors their class and the caller's stack, and
/// add one method per action.
#[wasm_bindgen(skip_typescript)]
pub struct WaapiClient {
    inner: Rc<Inner>,
}

struct Inner {
    client: Client,
    /// `Bearer <token>`, the header every attempt sends.
    authorization: String,
    /// `{ fetch, onRequest, onResponse, onRetry }` as given, or undefined when none was.
    ctx: JsValue,
}

#[wasm_bindgen]
impl WaapiClient {
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new(token: JsValue, options: JsValue) -> Result<WaapiClient, JsValue> {
        let (client, ctx) = build(&token, &options).map_err(|e| js_error(&e, None))?;
        let authorization = cat!("Bearer ", client.token());
        Ok(WaapiClient {
            inner: Rc::new(Inner {
                client,
                authorization,
                ctx,
            }),
        })
    }

    #[wasm_bindgen(js_name = listInstances, skip_typescript)]
    pub fn list_instances(&self, filter: JsValue, options: JsValue) -> Promise {
        let filter = optional_string(&filter, "The filter");
        self.run(
            filter.map(|f| (Request::list_instances(f.as_deref()), Read::List)),
            &options,
        )
    }

    /// `getInstance`, `deleteInstance`, `clientStatus`, `qrCode` and `me` (`what` 0 to 4, as
    /// `npm/actions.js` numbers them): one export for the five, each of which would cost the
    /// wasm and its glue an export of its own.
    #[wasm_bindgen(js_name = _instance, skip_typescript)]
    pub fn instance(&self, what: u8, id: JsValue, options: JsValue) -> Promise {
        let id = instance_id(&id);
        let call = match what {
            0 => id
                .and_then(Request::get_instance)
                .map(|r| (r, Read::Instance)),
            1 => id
                .and_then(Request::delete_instance)
                .map(|r| (r, Read::Nothing)),
            2 => id
                .and_then(Request::client_status)
                .map(|r| (r, Read::Status)),
            3 => id.and_then(Request::qr_code).map(|r| (r, Read::QrCode)),
            _ => id.and_then(Request::me).map(|r| (r, Read::Me)),
        };
        self.run(call, &options)
    }

    #[wasm_bindgen(js_name = createInstance, skip_typescript)]
    pub fn create_instance(&self, options: JsValue) -> Promise {
        self.run(Ok((Request::create_instance(), Read::Instance)), &options)
    }

    #[wasm_bindgen(js_name = updateInstance, skip_typescript)]
    pub fn update_instance(&self, id: JsValue, update: JsValue, options: JsValue) -> Promise {
        let allow_private = self.inner.client.options().allow_private_webhook_hosts;
        let call = instance_id(&id).and_then(|id| {
            Request::update_instance_with(id, &instance_update(&update)?, allow_private)
        });
        self.run(call.map(|r| (r, Read::Status)), &options)
    }

    /// What `action` and every generated method (`npm/actions.js`) call: with `place`, the
    /// action's in the catalogue, the parameters are checked against it first; `action`, any
    /// action by name, leaves it out and its parameters go unchecked.
    #[wasm_bindgen(js_name = _runAction, skip_typescript)]
    pub fn run_action(
        &self,
        place: Option<u32>,
        name: JsValue,
        id: JsValue,
        params: JsValue,
        options: JsValue,
    ) -> Promise {
        let call = action_request(&id, &name, &params, place.map(|p| p as usize));
        self.run(call.map(|r| (r, Read::Action)), &options)
    }
}

#[wasm_bindgen(module = "/src/call.js")]
extern "C" {
    /// The call's attempts and the waits between them; resolves to the answer, read by the usual
    /// reader `read` (0 a list, 1 an instance, 2 an action's payload, 3 none) or by `Call::value`.
    #[allow(clippy::too_many_arguments)]
    fn drive(
        call: Call,
        method: &str,
        url: &str,
        authorization: &str,
        body: Option<String>,
        timeout_ms: u32,
        max_bytes: u32,
        ctx: &JsValue,
        signal: &JsValue,
        version: &str,
        read: u8,
    ) -> Promise;
}

/// How a method reads its answer. Every method goes through [`WaapiClient::run`] and one
/// `drive`, so the wasm holds one path for every call instead of one per method.
enum Read {
    List,
    Instance,
    Status,
    QrCode,
    Me,
    Nothing,
    Action,
}

impl WaapiClient {
    /// Rejects at once for bad arguments or an aborted signal; otherwise the promise of the
    /// call's answer, which `drive` in src/call.js brings.
    fn run(&self, call: Result<(Request, Read), Error>, options: &JsValue) -> Promise {
        let call = call.and_then(|call| Ok((call, call_options(options)?)));
        let ((mut request, read), (signal, timeout_ms)) = match self.inner.client.finish(call) {
            Ok(call) => call,
            Err(e) => return Promise::reject(&js_error(&e, None)),
        };
        if is_aborted(&signal) {
            let e = Error::Aborted {
                message: cat!(
                    "The call to ",
                    request.action,
                    " was aborted by its signal."
                ),
            };
            return Promise::reject(&js_error(&e, Some(get(&signal, "reason"))));
        }
        let inner = &self.inner;
        let options = inner.client.options();
        let timeout_ms = timeout_ms.unwrap_or(options.timeout_ms);
        let url = request.url(&options.base_url);
        let usual = match read {
            Read::List => 0,
            Read::Instance => 1,
            Read::Action => 2,
            _ => 3,
        };
        let method = request.method.as_str();
        let body = request.body.take();
        let call = Call {
            inner: inner.clone(),
            request,
            read,
            timeout_ms,
            done: None,
            cause: None,
        };
        drive(
            call,
            method,
            &url,
            &inner.authorization,
            body,
            timeout_ms,
            options.max_response_bytes,
            &inner.ctx,
            &signal,
            USER_AGENT,
            usual,
        )
    }
}

/// One call of the JS client while `drive` (src/call.js) makes its attempts: `step` decides after
/// each (the crate's retry policy, [`Client::next`]), `value` gives what the call resolves to or
/// throws the error it rejects with. `drive` frees it at the end.
#[wasm_bindgen(skip_typescript)]
pub struct Call {
    inner: Rc<Inner>,
    request: Request,
    read: Read,
    timeout_ms: u32,
    done: Option<Result<RawResponse, Error>>,
    /// For `network`, the runtime's error; for `aborted`, the signal's reason.
    cause: Option<JsValue>,
}

#[wasm_bindgen]
impl Call {
    /// After attempt `n` came to `kind` (as src/call.js numbers them: 0 an answer with
    /// `status`, its Retry-After `header` and its `text`; 1 too large; 2 a redirect, `header`
    /// the origin; 3 a timeout; 4 the signal aborted; 5 a network error, `cause` the runtime's):
    /// milliseconds to wait before attempt `n + 1`, or -1 when the call ends; `value` then
    /// gives its end.
    pub fn step(
        &mut self,
        n: u32,
        kind: u8,
        status: u16,
        header: Option<String>,
        text: Option<String>,
        cause: JsValue,
    ) -> f64 {
        let sent = match kind {
            0 => Ok(RawResponse {
                status,
                retry_after: header,
                body: text.unwrap_or_default(),
            }),
            1 => Err(Failure::TooLarge(status)),
            2 => Err(Failure::Redirect(status, header)),
            3 => Err(Failure::Timeout),
            4 => Err(Failure::Aborted),
            _ => Err(Failure::Network(js_message(&cause))),
        };
        if kind > 3 {
            self.cause = Some(cause);
        }
        let client = &self.inner.client;
        match client.next(&self.request, sent, n.saturating_sub(1), self.timeout_ms) {
            Next::RetryIn(ms) => ms as f64,
            Next::Done(done) => {
                self.done = Some(done);
                -1.0
            }
        }
    }

    /// What the call resolves to once `step` said it ended, read as the method reads it; or
    /// the error it rejects with.
    pub fn value(&mut self) -> Result<JsValue, JsValue> {
        let read = &self.read;
        let answer = match self.done.take() {
            Some(Ok(raw)) => {
                let body = Body {
                    action: self.request.action.clone(),
                    status: raw.status,
                    text: raw.body,
                };
                body.reply().and_then(|r| read_answer(&r, read))
            }
            Some(Err(e)) => Err(e),
            None => Err(Error::invalid("The call has not ended.")),
        };
        self.inner.client.finish(answer).map_err(|e| {
            let cause = match e.kind() {
                ErrorKind::Network | ErrorKind::Aborted => self.cause.take(),
                _ => None,
            };
            js_error(&e, cause)
        })
    }
}

fn read_answer(r: &Reply, read: &Read) -> Result<JsValue, Error> {
    match read {
        Read::List => r.instance_list().map(|v| json(&v[..])),
        Read::Instance => r.instance().map(|v| json(&v)),
        Read::Status => r.client_status().map(|v| json(&v)),
        Read::QrCode => r.qr_code().map(|v| JsValue::from_str(v.data_url())),
        Read::Me => r.me().map(|v| json(&v)),
        Read::Nothing => r.nothing().map(|()| JsValue::UNDEFINED),
        // Our own writer made the text, so the runtime's parser accepts it.
        Read::Action => r
            .action_payload()
            .map(|p| JSON::parse(&action::text(p)).unwrap_or(JsValue::NULL)),
    }
}

/// A call's own options: `{ signal, timeoutMs }`, both optional.
fn call_options(v: &JsValue) -> Result<(JsValue, Option<u32>), Error> {
    if v.is_undefined() || v.is_null() {
        return Ok((JsValue::UNDEFINED, None));
    }
    object_keys(v, "The call options", &["signal", "timeoutMs"])?;
    let mut signal = get(v, "signal");
    if signal.is_null() {
        signal = JsValue::UNDEFINED;
    }
    let signal_like = |s: &JsValue| {
        get(s, "aborted").as_bool().is_some() && get(s, "addEventListener").is_function()
    };
    if !signal.is_undefined() && !signal_like(&signal) {
        return Err(Error::invalid("signal must be an AbortSignal."));
    }
    let timeout = get(v, "timeoutMs");
    let timeout_ms = if timeout.is_undefined() {
        None
    } else {
        Some(whole_number(&timeout, "timeoutMs", 0, 1, MAX_TIMEOUT_MS)?)
    };
    Ok((signal, timeout_ms))
}

fn is_aborted(signal: &JsValue) -> bool {
    !signal.is_undefined() && get(signal, "aborted").is_truthy()
}

/// A webhook body (JSON text or a parsed object), checked and normalized by [`normalize`].
#[wasm_bindgen(js_name = parseWebhookEvent, skip_typescript)]
pub fn parse_webhook_event(body: JsValue) -> JsValue {
    match webhook_text(&body).and_then(|text| normalize(&text)) {
        // Our own writer made the text, so the runtime's parser accepts it.
        Ok(text) => JSON::parse(&text).unwrap_or(JsValue::NULL),
        // Thrown directly: a `Result` return would add a catch-unwind wrapper to the wasm.
        Err(e) => wasm_bindgen::throw_val(js_error(&e, None)),
    }
}

/// An object goes through `JSON.stringify`, so it is read exactly as JSON would carry it.
fn webhook_text(body: &JsValue) -> Result<String, Error> {
    if let Some(text) = body.as_string() {
        return Ok(text);
    }
    if !body.is_object() || body.is_function() {
        return Err(Error::invalid(
            "The webhook body must be JSON text or the object parsed from it.",
        ));
    }
    JSON::stringify(body)
        .ok()
        .and_then(|s| s.as_string())
        .ok_or_else(|| {
            Error::invalid(
                "The webhook body cannot be read as JSON (a BigInt, a cycle, or a value that throws).",
            )
        })
}

fn json<T: ToJson + ?Sized>(value: &T) -> JsValue {
    // Our own writer made the text, so the runtime's parser accepts it.
    JSON::parse(&to_json_string(value)).unwrap_or(JsValue::NULL)
}

/// A `WaapiError`: an `Error` with `name`, `kind`, the fields its kind carries and, for
/// `network` and `aborted`, the runtime's error or the signal's reason as `cause`.
/// `npm/actions.js` gives it the `WaapiError` class on its way out.
fn js_error(e: &Error, cause: Option<JsValue>) -> JsValue {
    let err = js_sys::Error::new(e.message());
    err.set_name("WaapiError");
    let set = |key: &str, v: JsValue| {
        let _ = Reflect::set(&err, &key.into(), &v);
    };
    set("kind", e.kind().as_str().into());
    if let Some(status) = e.status() {
        set("status", status.into());
    }
    match e {
        Error::RateLimited {
            retry_after: Some(s),
            ..
        } => set("retryAfter", (*s as f64).into()),
        Error::Forbidden { permission, .. } => set("permission", permission.as_str().into()),
        Error::Validation { errors, .. } => {
            let map = Object::new();
            for (field, texts) in errors {
                let list: Array = texts.iter().map(|t| JsValue::from_str(t)).collect();
                let _ = Reflect::set(&map, &field.into(), &list);
            }
            set("errors", map.into());
        }
        _ => {}
    }
    if let Some(cause) = cause {
        set("cause", cause);
    }
    err.into()
}

/// Whether `n` has no fraction (`f64::fract` is std's); false for NaN, the infinities and, beyond
/// ±2⁶³, numbers the callers' ranges refuse anyway.
fn is_whole(n: f64) -> bool {
    n == (n as i64) as f64
}

/// A positive safe integer, given as a JS number.
fn instance_id(v: &JsValue) -> Result<u64, Error> {
    match v.as_f64() {
        Some(n) if is_whole(n) && n >= 1.0 && n <= MAX_SAFE_INTEGER as f64 => Ok(n as u64),
        _ => Err(Error::invalid(
            "An instance id must be a positive whole number (a JavaScript number such as 12).",
        )),
    }
}

fn optional_string(v: &JsValue, what: &str) -> Result<Option<String>, Error> {
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.as_string()
        .map(Some)
        .ok_or_else(|| Error::invalid(cat!(what, " must be a string.")))
}

/// The keys of a plain object, after refusing anything not in `allowed`.
fn object_keys(v: &JsValue, what: &str, allowed: &[&str]) -> Result<Vec<String>, Error> {
    if !v.is_object() || Array::is_array(v) {
        return Err(Error::invalid(cat!(what, " must be an object.")));
    }
    let keys: Vec<String> = Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    if let Some(unknown) = keys.iter().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid(cat!(
            what,
            " has an unknown key \"",
            unknown,
            "\"; the keys are ",
            Listed(allowed),
            "."
        )));
    }
    Ok(keys)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &key.into()).unwrap_or(JsValue::UNDEFINED)
}

/// A whole number within `range`, or `default` when undefined.
fn whole_number(v: &JsValue, what: &str, default: u32, min: u32, max: u32) -> Result<u32, Error> {
    if v.is_undefined() {
        return Ok(default);
    }
    match v.as_f64() {
        Some(n) if is_whole(n) && n >= f64::from(min) && n <= f64::from(max) => Ok(n as u32),
        _ => Err(Error::invalid(cat!(
            what,
            " must be a whole number from ",
            min,
            " to ",
            max,
            "."
        ))),
    }
}

/// The client and its JS context: `{ fetch, onRequest, onResponse, onRetry }` with the ones
/// given, or undefined when none was (the fast path of every attempt).
fn build(token: &JsValue, options: &JsValue) -> Result<(Client, JsValue), Error> {
    let token = token
        .as_string()
        .ok_or_else(|| Error::invalid("The API token must be a string."))?;
    let mut opts = Options::default();
    let mut ctx = JsValue::UNDEFINED;
    if !options.is_undefined() && !options.is_null() {
        object_keys(
            options,
            "The options",
            &[
                "baseUrl",
                "timeoutMs",
                "maxRetries",
                "maxResponseBytes",
                "allowPrivateWebhookHosts",
                "fetch",
                "onRequest",
                "onResponse",
                "onRetry",
            ],
        )?;
        for key in ["fetch", "onRequest", "onResponse", "onRetry"] {
            let f = get(options, key);
            if f.is_undefined() {
                continue;
            }
            if !f.is_function() {
                return Err(Error::invalid(cat!(key, " must be a function.")));
            }
            if ctx.is_undefined() {
                ctx = Object::new().into();
            }
            let _ = Reflect::set(&ctx, &key.into(), &f);
        }
        if let Some(url) = optional_string(&get(options, "baseUrl"), "baseUrl")? {
            opts.base_url = url;
        }
        opts.timeout_ms = whole_number(
            &get(options, "timeoutMs"),
            "timeoutMs",
            DEFAULT_TIMEOUT_MS,
            1,
            MAX_TIMEOUT_MS,
        )?;
        opts.max_retries = whole_number(
            &get(options, "maxRetries"),
            "maxRetries",
            DEFAULT_MAX_RETRIES,
            0,
            MAX_MAX_RETRIES,
        )?;
        opts.max_response_bytes = whole_number(
            &get(options, "maxResponseBytes"),
            "maxResponseBytes",
            DEFAULT_MAX_RESPONSE_BYTES,
            1,
            MAX_MAX_RESPONSE_BYTES,
        )?;
        let allow = get(options, "allowPrivateWebhookHosts");
        opts.allow_private_webhook_hosts = match allow.as_bool() {
            Some(allow) => allow,
            None if allow.is_undefined() => false,
            None => {
                return Err(Error::invalid(
                    "allowPrivateWebhookHosts must be true or false.",
                ))
            }
        };
    }
    let client = Client::with_options(token, opts);
    client.validate()?;
    Ok((client, ctx))
}

fn instance_update(v: &JsValue) -> Result<InstanceUpdate, Error> {
    let keys = object_keys(v, "The update", &["name", "webhook"])?;
    let mut update = InstanceUpdate::new();
    let name = get(v, "name");
    if !name.is_undefined() {
        let name = name
            .as_string()
            .ok_or_else(|| Error::invalid("The name must be a string."))?;
        update = update.name(name);
    }
    let webhook = get(v, "webhook");
    if keys.iter().any(|k| k == "webhook") && !webhook.is_undefined() {
        object_keys(&webhook, "The webhook", &["url", "events"])?;
        let url = get(&webhook, "url");
        if url.is_null() {
            update = update.webhook_url(None);
        } else if !url.is_undefined() {
            let url = url
                .as_string()
                .ok_or_else(|| Error::invalid("The webhook URL must be a string or null."))?;
            update = update.webhook_url(Some(&url));
        }
        let events = get(&webhook, "events");
        if !events.is_undefined() {
            let not_list = || Error::invalid("The webhook events must be an array of event names.");
            if !Array::is_array(&events) {
                return Err(not_list());
            }
            let events: Array = events.unchecked_into();
            let names = events
                .iter()
                .map(|e| {
                    e.as_string()
                        .map(|s| WebhookEvent::parse(&s))
                        .ok_or_else(not_list)
                })
                .collect::<Result<Vec<_>, _>>()?;
            update = update.webhook_events(names);
        }
    }
    Ok(update)
}

/// An action's request from JavaScript arguments. `params` must be a plain object (or left
/// out); it becomes the body through the runtime's `JSON.stringify`, so `undefined` members
/// are left out as JSON has no such value. With `place`, the action's in the catalogue, it is
/// held to the catalogue first.
fn action_request(
    id: &JsValue,
    name: &JsValue,
    params: &JsValue,
    place: Option<usize>,
) -> Result<Request, Error> {
    let id = instance_id(id)?;
    let name = name.as_string().ok_or_else(|| {
        Error::invalid("An action name must be a string such as \"send-message\".")
    })?;
    action::check_name(&name)?;
    let body = if params.is_undefined() {
        "{}".to_owned()
    } else {
        if !is_plain_object(params) {
            return Err(Error::invalid(cat!(
                "The parameters of ",
                name,
                " must be a plain object, such as { chatId: \"4915112345678@c.us\" }."
            )));
        }
        JSON::stringify(params)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                Error::invalid(cat!(
                    "The parameters of ",
                    name,
                    " cannot be sent as JSON (a BigInt, a cycle, or a value that throws)."
                ))
            })?
    };
    let Some(place) = place else {
        return Request::action(id, &name, body);
    };
    let takes = action::packed(place)
        .ok_or_else(|| Error::invalid(cat!(name, " is not an action this package knows.")))?;
    let parsed = Json::parse(&body)
        .map_err(|_| Error::invalid(cat!("The parameters of ", name, " are not JSON.")))?;
    action::check(&name, &takes, &parsed)?;
    Request::action(id, &name, body)
}

/// An object made by `{…}` or `Object.create(null)`: not an array, a function, a Date, a Map
/// or a class instance, whose members JSON would lose or mangle.
fn is_plain_object(v: &JsValue) -> bool {
    if !v.is_object() || v.is_function() || Array::is_array(v) {
        return false;
    }
    let proto = Object::get_prototype_of(v);
    proto.is_null() || Object::is(&proto, &Object::get_prototype_of(&Object::new()))
}
