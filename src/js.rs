//! The JavaScript facade (`--features js`): `WaapiClient`, a thin layer over [`Client`], and
//! `parseWebhookEvent` over [`normalize`].
//!
//! Every argument arrives as a plain `JsValue` and is checked here, so a wrong type from
//! untyped JavaScript is an `invalid_input` rejection rather than a trap. Answers cross the
//! boundary as JSON text parsed by the runtime's `JSON.parse`, one call per answer.

use std::rc::Rc;

use js_sys::{Array, Object, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::future_to_promise;

use crate::action;
use crate::client::{
    Client, Options, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT_MS,
    MAX_MAX_RESPONSE_BYTES, MAX_MAX_RETRIES, MAX_TIMEOUT_MS,
};
use crate::error::Error;
use crate::json::Json;
use crate::models::{to_json_string, ToJson, WebhookEvent};
use crate::request::{InstanceUpdate, Request, MAX_SAFE_INTEGER};
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
  id: number;
  name: string | null;
  /** E-mail of the owning user. */
  owner: string;
  webhook_url: string | null;
  webhook_events: WebhookEvent[];
  is_trial: boolean;
}

/** The state of an instance's client, as `clientStatus` and `updateInstance` resolve. */
export interface ClientStatus {
  instanceId: number;
  name: string | null;
  instanceStatus: InstanceStatus;
  instanceWebhook: string | null;
  instanceEvents: WebhookEvent[];
}

/** A QR code as a data URL, ready for `<img src>`: checked to be base64 after the prefix. */
export type QrCode = `data:image/png;base64,${string}`;

/** The WhatsApp account an instance is logged in as. */
export interface Me {
  displayName: string;
  /** `<number>@c.us` */
  contactId: string;
  formattedNumber: string;
  /** An `https:` URL; anything else WaAPI sends is `null`. */
  profilePicUrl: string | null;
}

/** What `updateInstance` changes; keys left out stay as they are. */
export interface InstanceUpdate {
  name?: string;
  webhook?: {
    /** `null` removes the webhook URL. */
    url?: string | null;
    /** `[]` unsubscribes from every event. */
    events?: WebhookEvent[];
  };
}

export interface WaapiClientOptions {
  /** Default `https://waapi.app/api/v1`. */
  baseUrl?: string;
  /** Bounds each attempt, the body read included. Default 30000. */
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
}

export type WaapiErrorKind =
  | "invalid_input" | "unauthorized" | "forbidden" | "not_found" | "not_ready" | "validation"
  | "rate_limited" | "api" | "server" | "timeout" | "network" | "decode"
  /** The answer was larger than `maxResponseBytes`; it was not read to its end. */
  | "response_too_large"
  /** WaAPI answered with a redirect (3xx), which is never followed; `status` is absent when a browser hid it. */
  | "redirect";

export type Permission = "create" | "read" | "update" | "delete";

/** How every call of `WaapiClient` fails. It never holds the token. */
export interface WaapiError extends Error {
  name: "WaapiError";
  kind: WaapiErrorKind;
  /** The HTTP status, when there was a response. */
  status?: number;
  /** Seconds to wait, for `rate_limited` when the server said. */
  retryAfter?: number;
  /** For `forbidden`: the permission the operation needs. */
  permission?: Permission;
  /** For `validation`: the API's messages per field, e.g. `{"webhook.url": ["…"]}`. */
  errors?: Record<string, string[]>;
}

/** Whether `value` is an error thrown by this package. */
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

/** A WaAPI client. Every method returns a Promise; bad input rejects before anything is sent. */
export class WaapiClient {
  /** Throws a `WaapiError` of kind `invalid_input` for an empty token or an unknown option. */
  constructor(token: string, options?: WaapiClientOptions);
  /** GET /instances, or /instances?filter=… for instances whose id or name matches. */
  listInstances(filter?: string): Promise<Instance[]>;
  /** GET /instances/{id} */
  getInstance(id: number): Promise<Instance>;
  /** POST /instances */
  createInstance(): Promise<Instance>;
  /**
   * PUT /instances/{id}. A webhook URL on a loopback or private host rejects with `invalid_input`
   * unless `allowPrivateWebhookHosts`; one on a link-local or cloud metadata host always does.
   */
  updateInstance(id: number, update: InstanceUpdate): Promise<ClientStatus>;
  /** DELETE /instances/{id} */
  deleteInstance(id: number): Promise<undefined>;
  /** GET /instances/{id}/client/status */
  clientStatus(id: number): Promise<ClientStatus>;
  /** GET /instances/{id}/client/qr; rejects with kind `api` unless the status is `qr`. */
  qrCode(id: number): Promise<QrCode>;
  /** GET /instances/{id}/client/me, once the status is `ready`. */
  me(id: number): Promise<Me>;
  /**
   * Runs any client action by its wire name, one this package does not know yet included:
   * `params` (a plain object, default `{}`) is sent as given, unchecked, and the call resolves
   * to the payload of WaAPI's answer. The typed methods (`sendMessage`, …) check their
   * parameters first; prefer them.
   * @example
   * const chat = await waapi.action(1, "get-chat-by-id", { chatId: "4915112345678@c.us" });
   */
  action(instanceId: number, name: string, params?: { [key: string]: JsonValue }): Promise<JsonValue>;
  /** Frees the client's memory in wasm now rather than when it is garbage-collected. */
  free(): void;
}
"#;

/// A WaAPI client for JavaScript.
#[wasm_bindgen(skip_typescript)]
pub struct WaapiClient {
    client: Rc<Client>,
}

#[wasm_bindgen]
impl WaapiClient {
    #[wasm_bindgen(constructor, skip_typescript)]
    pub fn new(token: JsValue, options: JsValue) -> Result<WaapiClient, JsValue> {
        let client = build(&token, &options).map_err(|e| js_error(&e))?;
        Ok(WaapiClient {
            client: Rc::new(client),
        })
    }

    #[wasm_bindgen(js_name = listInstances, skip_typescript)]
    pub fn list_instances(&self, filter: JsValue) -> Promise {
        self.run(optional_string(&filter, "The filter").map(Call::List))
    }

    #[wasm_bindgen(js_name = getInstance, skip_typescript)]
    pub fn get_instance(&self, id: JsValue) -> Promise {
        self.run(instance_id(&id).map(Call::Get))
    }

    #[wasm_bindgen(js_name = createInstance, skip_typescript)]
    pub fn create_instance(&self) -> Promise {
        self.run(Ok(Call::Create))
    }

    #[wasm_bindgen(js_name = updateInstance, skip_typescript)]
    pub fn update_instance(&self, id: JsValue, update: JsValue) -> Promise {
        self.run(instance_id(&id).and_then(|id| Ok(Call::Update(id, instance_update(&update)?))))
    }

    #[wasm_bindgen(js_name = deleteInstance, skip_typescript)]
    pub fn delete_instance(&self, id: JsValue) -> Promise {
        self.run(instance_id(&id).map(Call::Delete))
    }

    #[wasm_bindgen(js_name = clientStatus, skip_typescript)]
    pub fn client_status(&self, id: JsValue) -> Promise {
        self.run(instance_id(&id).map(Call::Status))
    }

    #[wasm_bindgen(js_name = qrCode, skip_typescript)]
    pub fn qr_code(&self, id: JsValue) -> Promise {
        self.run(instance_id(&id).map(Call::QrCode))
    }

    #[wasm_bindgen(skip_typescript)]
    pub fn me(&self, id: JsValue) -> Promise {
        self.run(instance_id(&id).map(Call::Me))
    }

    /// Any action by name, its parameters sent unchecked.
    #[wasm_bindgen(skip_typescript)]
    pub fn action(&self, id: JsValue, name: JsValue, params: JsValue) -> Promise {
        self.run(action_request(&id, &name, &params, false).map(Call::Action))
    }

    /// What every generated method (`npm/actions.js`) calls: the parameters are checked
    /// against the catalogue first.
    #[wasm_bindgen(js_name = _runAction, skip_typescript)]
    pub fn run_action(&self, name: JsValue, id: JsValue, params: JsValue) -> Promise {
        self.run(action_request(&id, &name, &params, true).map(Call::Action))
    }
}

/// One method call, its arguments checked. Every method goes through the one future in
/// [`WaapiClient::run`], so the wasm holds one promise adapter instead of one per method.
enum Call {
    List(Option<String>),
    Get(u64),
    Create,
    Update(u64, InstanceUpdate),
    Delete(u64),
    Status(u64),
    QrCode(u64),
    Me(u64),
    Action(Request),
}

impl WaapiClient {
    /// Rejects at once for bad arguments; otherwise the promise of the call's answer.
    fn run(&self, call: Result<Call, Error>) -> Promise {
        let call = match self.client.finish(call) {
            Ok(call) => call,
            Err(e) => return Promise::reject(&js_error(&e)),
        };
        let client = self.client.clone();
        future_to_promise(async move {
            let instances = client.instances();
            let answer = match call {
                Call::List(filter) => instances
                    .list(filter.as_deref())
                    .await
                    .map(|v| json(&v[..])),
                Call::Get(id) => instances.get(id).await.map(|v| json(&v)),
                Call::Create => instances.create().await.map(|v| json(&v)),
                Call::Update(id, update) => instances.update(id, &update).await.map(|v| json(&v)),
                Call::Delete(id) => instances.delete(id).await.map(|()| JsValue::UNDEFINED),
                Call::Status(id) => client.instance(id).status().await.map(|v| json(&v)),
                Call::QrCode(id) => client
                    .instance(id)
                    .qr_code()
                    .await
                    .map(|v| JsValue::from_str(v.data_url())),
                Call::Me(id) => client.instance(id).me().await.map(|v| json(&v)),
                Call::Action(request) => client
                    .action_payload(&request, |p| Ok(action::text(p)))
                    .await
                    .map(|text| JSON::parse(&text).unwrap_or(JsValue::NULL)),
            };
            answer.map_err(|e| js_error(&e))
        })
    }
}

/// Whether `value` is an error this package threw.
#[wasm_bindgen(js_name = isWaapiError, skip_typescript)]
pub fn is_waapi_error(value: &JsValue) -> bool {
    value.is_instance_of::<js_sys::Error>()
        && Reflect::get(value, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .as_deref()
            == Some("WaapiError")
}

/// A webhook body (JSON text or a parsed object), checked and normalized by [`normalize`].
#[wasm_bindgen(js_name = parseWebhookEvent, skip_typescript)]
pub fn parse_webhook_event(body: JsValue) -> JsValue {
    match webhook_text(&body).and_then(|text| normalize(&text)) {
        // Our own writer made the text, so the runtime's parser accepts it.
        Ok(text) => JSON::parse(&text).unwrap_or(JsValue::NULL),
        // Thrown directly: a `Result` return would add a catch-unwind wrapper to the wasm.
        Err(e) => wasm_bindgen::throw_val(js_error(&e)),
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

/// A `WaapiError`: an `Error` with `name`, `kind` and the fields its kind carries.
fn js_error(e: &Error) -> JsValue {
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
    err.into()
}

/// A positive safe integer, given as a JS number.
fn instance_id(v: &JsValue) -> Result<u64, Error> {
    match v.as_f64() {
        Some(n) if n.fract() == 0.0 && n >= 1.0 && n <= MAX_SAFE_INTEGER as f64 => Ok(n as u64),
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
        .ok_or_else(|| Error::invalid(format!("{what} must be a string.")))
}

/// The keys of a plain object, after refusing anything not in `allowed`.
fn object_keys(v: &JsValue, what: &str, allowed: &[&str]) -> Result<Vec<String>, Error> {
    if !v.is_object() || Array::is_array(v) {
        return Err(Error::invalid(format!("{what} must be an object.")));
    }
    let keys: Vec<String> = Object::keys(v.unchecked_ref::<Object>())
        .iter()
        .filter_map(|k| k.as_string())
        .collect();
    if let Some(unknown) = keys.iter().find(|k| !allowed.contains(&k.as_str())) {
        return Err(Error::invalid(format!(
            "{what} has an unknown key \"{unknown}\"; the keys are {}.",
            allowed.join(", ")
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
        Some(n) if n.fract() == 0.0 && n >= f64::from(min) && n <= f64::from(max) => Ok(n as u32),
        _ => Err(Error::invalid(format!(
            "{what} must be a whole number from {min} to {max}."
        ))),
    }
}

fn build(token: &JsValue, options: &JsValue) -> Result<Client, Error> {
    let token = token
        .as_string()
        .ok_or_else(|| Error::invalid("The API token must be a string."))?;
    let mut opts = Options::default();
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
            ],
        )?;
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
    Ok(client)
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
/// are left out as JSON has no such value. `checked` holds it to the catalogue first.
fn action_request(
    id: &JsValue,
    name: &JsValue,
    params: &JsValue,
    checked: bool,
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
            return Err(Error::invalid(format!(
                "The parameters of {name} must be a plain object, such as {{ chatId: \"4915112345678@c.us\" }}."
            )));
        }
        JSON::stringify(params)
            .ok()
            .and_then(|s| s.as_string())
            .ok_or_else(|| {
                Error::invalid(format!(
                    "The parameters of {name} cannot be sent as JSON (a BigInt, a cycle, or a value that throws)."
                ))
            })?
    };
    if !checked {
        return Request::action(id, &name, body);
    }
    let known = action::find(&name)
        .ok_or_else(|| Error::invalid(format!("{name} is not an action this package knows.")))?;
    let parsed = Json::parse(&body)
        .map_err(|_| Error::invalid(format!("The parameters of {name} are not JSON.")))?;
    known.validate(&parsed)?;
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
