// parseWebhookEvent's types under `tsc --strict` (make test-types): `e.event === "…"` narrows the
// union to that one event, with no casts, while events this package does not know still fit.
// Every `@ts-expect-error` line must fail to compile.
import {
  isWaapiError,
  parseWebhookEvent,
  type JsonValue,
  type KnownWebhookPayload,
  type UnknownWebhookPayload,
  type WaapiError,
  type WebhookMessage,
  type WebhookPayload,
} from "waapi-wasm";

type IsAny<T> = 0 extends 1 & T ? true : false;
type Equals<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export function inbox(body: string): string | undefined {
  const e = parseWebhookEvent(body);
  const id: number = e.instanceId;
  void id;
  if (e.event === "message") {
    type Narrowed = Assert<Equals<typeof e, KnownWebhookPayload<"message">>>;
    type NotAny = Assert<Equals<IsAny<typeof e.data.message>, false>>;
    type Body = Assert<Equals<typeof e.data.message.body, string | undefined>>;
    const from: string | undefined = e.data.message.from;
    const serialized: string | undefined = e.data.message.id?._serialized;
    // @ts-expect-error: the service may leave the body out
    const sure: string = e.data.message.body;
    // @ts-expect-error: a message event carries no reaction
    void e.data.reaction.reaction;
    void [from, serialized, sure];
    return e.data.message.body;
  }
  return undefined;
}

/** Every known event narrows to its own data; what is left is an unknown event. */
export function everyEvent(e: WebhookPayload): void {
  switch (e.event) {
    case "message":
    case "message_create":
    case "message_revoke_me": {
      const m: WebhookMessage = e.data.message;
      const ts: number | undefined = m.timestamp;
      const mine: boolean | undefined = m.fromMe;
      const raw: { [key: string]: JsonValue } | undefined = m._data;
      void [ts, mine, raw];
      break;
    }
    case "message_ack": {
      const ack: number | undefined = e.data.ack;
      const to: string | undefined = e.data.message.to;
      void [ack, to];
      break;
    }
    case "message_reaction": {
      const emoji: string | undefined = e.data.reaction.reaction;
      const on: string | undefined = e.data.reaction.msgId?._serialized;
      void [emoji, on];
      break;
    }
    case "message_revoke_everyone": {
      const now: string | undefined = e.data.after.type;
      const before: string | undefined = e.data.before?.body;
      void [now, before];
      break;
    }
    case "group_join":
    case "group_leave":
    case "group_update": {
      const who: string[] | undefined = e.data.notification.recipientIds;
      const group: string | undefined = e.data.notification.chatId;
      void [who, group];
      break;
    }
    case "vote_update": {
      const option: string | undefined = e.data.vote.selectedOptions?.[0]?.name;
      const poll: string | undefined = e.data.vote.parentMessage?.id?._serialized;
      void [option, poll];
      break;
    }
    case "call": {
      const caller: string | undefined = e.data.call.from;
      const video: boolean | undefined = e.data.call.isVideo;
      void [caller, video];
      break;
    }
    case "ready": {
      const status: string | undefined = e.data.status;
      void status;
      break;
    }
    case "qr": {
      const qr: string | undefined = e.data.qr;
      void qr;
      break;
    }
    case "disconnected": {
      const reason: string | undefined = e.data.reason;
      void reason;
      break;
    }
    case "change_state": {
      const state: string | undefined = e.data.state;
      void state;
      break;
    }
    case "loading_screen":
    case "authenticated":
    case "auth_failure":
    case "message_edit":
    case "media_uploaded":
    case "community_created":
    case "community_updated":
    case "community_subgroup_linked":
    case "community_subgroup_unlinked":
    case "community_deactivated":
    case "presence_update": {
      const data: JsonValue | undefined = e.data;
      // @ts-expect-error: untyped data may be absent
      const sure: JsonValue = e.data;
      void [data, sure];
      break;
    }
    default: {
      type Left = Assert<Equals<typeof e, UnknownWebhookPayload>>;
      const name: string = String(e.event);
      const data: JsonValue | undefined = e.data;
      const extra: unknown = e["sentAt"];
      // @ts-expect-error: an unknown event's name is not a known one
      const known: "message" = e.event;
      // @ts-expect-error: and it is not typed as a plain string either (that would break narrowing)
      const plain: string = e.event;
      void [name, data, extra, known, plain];
    }
  }
}

export function members(e: KnownWebhookPayload<"message_ack">): unknown[] {
  // Members the types do not name are still reachable, as `unknown`.
  return [e["sentAt"], e.data["acknowledged"], e.data.message["viewed"], e.data.message.id?.["self"]];
}

export function inputs(request: { json(): Promise<unknown> }): void {
  parseWebhookEvent('{"event":"ready","instanceId":1}');
  parseWebhookEvent({ event: "ready", instanceId: "1" });
  void request.json().then((v) => parseWebhookEvent(v as object));
  // @ts-expect-error: neither JSON text nor an object
  parseWebhookEvent(42);
  // @ts-expect-error: the body is required
  parseWebhookEvent();
  try {
    parseWebhookEvent("not json");
  } catch (err: unknown) {
    if (isWaapiError(err)) {
      const failure: WaapiError = err;
      const kind: "invalid_input" | typeof failure.kind = failure.kind;
      void kind;
    }
  }
}

export function comparisons(e: WebhookPayload): void {
  // @ts-expect-error: a misspelt event name is caught
  if (e.event === "mesage") return;
  if (String(e.event) === "a_future_event") return;
}

export const samples: WebhookPayload[] = [
  { event: "ready", instanceId: 1, data: { status: "ready" } },
  { event: "message", instanceId: 1, data: { message: { body: "hi", extra: [1] } } },
  { event: "authenticated", instanceId: 1 },
  // @ts-expect-error: instanceId is always a number once parsed
  { event: "ready", instanceId: "1", data: {} },
  // @ts-expect-error: a typed event always has data
  { event: "message", instanceId: 1 },
];
