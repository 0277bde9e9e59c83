// The messages view of one instance: the webhook events the edge keeps for it (history, then live),
// shown as a chat, and a form to reply through the edge. Only offered when the API is the edge
// handler: WaAPI itself keeps no events, it posts them to the instance's webhook, which is the edge.
//
// The stream is Server-Sent Events read with fetch, not EventSource: the edge key travels in the
// Authorization header, never in a URL (EventSource cannot set headers).

import { el, setText, shown } from "./text.js";

const RETRY_FIRST_MS = 1000;
const RETRY_MAX_MS = 10_000;
/** The edge sends a keep-alive every 15 s; this long without a byte means the connection is dead. */
const SILENCE_MS = 40_000;
const TICKS = {
  0: ["◷", "Pending"],
  1: ["✓", "Sent"],
  2: ["✓✓", "Delivered"],
  3: ["✓✓", "Read"],
};

const $ = (id) => document.getElementById(id);

let deps = null; // what app.js lends: the client, the key, the API base URL, the permissions, `why`
let view = null; // the open view: { id, aborter, lastSeq, messages: Map<message id, entry> }
let unnamed = 0; // keys for the rare message without an id

/**
 * Wires the dialog once. `options.session()` returns { client, token, apiBase, permissions } for
 * the current connection; `options.why(error, context)` is the page's sentence for a failed call;
 * `options.instance(id)` the instance as last listed (for its name and webhook).
 */
export function initInbox(options) {
  deps = options;
  $("inbox-close").addEventListener("click", () => $("inbox").close());
  $("inbox").addEventListener("close", stop);
  $("reply-form").addEventListener("submit", send);
  $("reply-text").addEventListener("keydown", (e) => {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      $("reply-form").requestSubmit();
    }
  });
  $("inbox-list").addEventListener("click", (e) => {
    const item = e.target.closest("li[data-chat]");
    if (!item) return;
    $("reply-to").value = item.dataset.chat;
    $("reply-text").focus();
  });
}

/** Opens the messages view of instance `id` and starts following its events. */
export function openInbox(id) {
  stop();
  const { permissions } = deps.session();
  const instance = deps.instance(id);
  const label = instance?.name ?? `Instance ${id}`;
  setText($("inbox-kicker"), `Instance ${id}`);
  setText($("inbox-title"), `Messages: ${label}`);
  $("inbox-list").replaceChildren();
  $("inbox-empty").hidden = false;
  $("reply-to").value = "";
  $("reply-text").value = "";
  showError("");
  hint(instance);

  const maySend = permissions.has("update");
  const send = $("send");
  send.disabled = !maySend;
  send.title = maySend ? "" : shown(SEND_REFUSED);
  setText($("reply-note"), maySend ? "" : SEND_REFUSED);
  $("reply-note").hidden = maySend;
  if (maySend) send.removeAttribute("aria-describedby");
  else send.setAttribute("aria-describedby", "reply-note");

  view = { id, aborter: new AbortController(), lastSeq: 0, messages: new Map() };
  if (permissions.has("read")) {
    follow(view);
  } else {
    state("This key may not read messages: it lacks the read permission.", "off");
  }
  $("inbox").showModal();
  $(maySend ? "reply-to" : "inbox-close").focus();
}

const SEND_REFUSED = "This key may not send messages: it lacks the update permission.";

/** Stops the stream (aborts its fetch) and forgets the view; the dialog's close calls it. */
function stop() {
  view?.aborter.abort();
  view = null;
}

function showError(text) {
  setText($("inbox-error"), text);
  $("inbox-error").hidden = !text;
}

/** The connection line: `kind` is "live", "wait" (connecting or retrying) or "off" (given up). */
function state(text, kind) {
  setText($("inbox-state"), text);
  $("inbox-state").className = `inbox-state ${kind}`;
}

/**
 * Says when the instance's webhook cannot bring messages here: no webhook, one that is not an
 * edge's receiver, or events missing. Only the path is checked: the edge may be known to WaAPI
 * under another host than the one this page was loaded from.
 */
function hint(instance) {
  let text = "";
  const url = instance?.webhook_url;
  let path = "";
  try {
    path = url ? new URL(url).pathname : "";
  } catch {}
  if (instance && !path.startsWith("/webhooks/waapi/")) {
    text = "This instance's webhook is not an edge's receiver (…/webhooks/waapi/<secret>), so new messages will not arrive here. Set its Webhook URL under Manage.";
  } else if (instance) {
    const events = new Set(instance.webhook_events ?? []);
    const missing = ["message", "message_create", "message_ack"].filter((e) => !events.has(e));
    if (missing.length) text = `Its webhook does not send ${missing.join(", ")}, so some messages or ticks will not show here. Add them under Manage.`;
  }
  setText($("inbox-hint"), text);
  $("inbox-hint").hidden = !text;
}

// ---- the stream ----

/**
 * Follows the instance's events until the view closes: connects, reads, and after the stream
 * ends or fails reconnects with backoff from the last seq seen, so nothing is missed or shown
 * twice. Gives up only on answers a retry cannot change (401, 403, 404, 400).
 */
async function follow(v) {
  let delay = RETRY_FIRST_MS;
  while (view === v) {
    state(v.lastSeq ? "Reconnecting…" : "Connecting…", "wait");
    const outcome = await readStream(v);
    if (view !== v) return;
    if (outcome.fatal) {
      state(outcome.fatal, "off");
      return;
    }
    if (outcome.connected) delay = RETRY_FIRST_MS;
    const wait = Math.round(delay * (0.8 + Math.random() * 0.4));
    state(`The connection to the edge was lost. Reconnecting in ${Math.max(1, Math.round(wait / 1000))} s…`, "wait");
    await new Promise((resolve) => {
      const timer = setTimeout(resolve, wait);
      v.aborter.signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
    });
    delay = Math.min(delay * 2, RETRY_MAX_MS);
  }
}

/** One connection: resolves to { connected, fatal? } when it ends; never rejects. */
async function readStream(v) {
  const { token, apiBase } = deps.session();
  // Its own controller: the silence watchdog aborts this connection, closing the view aborts all.
  const connection = new AbortController();
  const onClose = () => connection.abort();
  v.aborter.signal.addEventListener("abort", onClose, { once: true });
  let silence = 0;
  const heard = () => {
    clearTimeout(silence);
    silence = setTimeout(() => connection.abort(), SILENCE_MS);
  };
  let connected = false;
  try {
    heard();
    const url = new URL(`instances/${v.id}/events/stream`, apiBase.endsWith("/") ? apiBase : `${apiBase}/`);
    url.searchParams.set("after", String(v.lastSeq));
    const res = await fetch(url, {
      headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
      cache: "no-store",
      signal: connection.signal,
    });
    if (!res.ok) {
      const fatal = await refusal(res, v.id);
      await res.body?.cancel().catch(() => {});
      return { connected, fatal };
    }
    if (!/^text\/event-stream\b/.test(res.headers.get("content-type") ?? "")) {
      await res.body?.cancel().catch(() => {});
      return { connected, fatal: "The edge did not answer with an event stream. Check that it is up to date." };
    }
    connected = true;
    state("Live: new messages appear as they arrive.", "live");
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    const parse = sseParser((data) => onEvent(v, data));
    for (;;) {
      const { value, done } = await reader.read();
      if (done || view !== v) break;
      heard();
      parse(value);
    }
  } catch {
    // A network error, the edge going away mid-stream, or an abort: the caller decides.
  } finally {
    clearTimeout(silence);
    v.aborter.signal.removeEventListener("abort", onClose);
    connection.abort();
  }
  return { connected };
}

/** The sentence for a stream the edge refused, or undefined when a retry may help (5xx, 429). */
async function refusal(res, id) {
  if (res.status >= 500 || res.status === 429 || res.status === 408) return undefined;
  if (res.status === 401) return "The edge did not accept this key. Check it and connect again.";
  const said = await res.json().then((b) => (typeof b?.message === "string" ? b.message : ""), () => "");
  if (res.status === 403) return `This key may not read messages. ${said}`.trim();
  if (res.status === 404) return `The edge has no message stream for instance ${id} (HTTP 404). Check that the edge is up to date.`;
  return `The edge refused the message stream (HTTP ${res.status}). ${said}`.trim();
}

/**
 * A Server-Sent Events parser (the WHATWG rules for `data`, `id` and comments) fed text chunks;
 * calls `dispatch(data)` once per complete event. A line may be split across chunks.
 */
export function sseParser(dispatch) {
  let rest = "";
  let data = [];
  return (chunk) => {
    rest += chunk;
    const lines = rest.split(/\r\n|\r(?!$)|\n/);
    rest = lines.pop(); // a partial line (or "" after a final newline); a trailing \r waits for its \n
    for (const line of lines) {
      if (line === "") {
        if (data.length) dispatch(data.join("\n"));
        data = [];
      } else if (!line.startsWith(":")) {
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "data") data.push(value);
      }
    }
  };
}

// ---- events to messages ----

/** One stored event: `{seq, receivedAt, event, instanceId, data}`. Seen seqs are skipped. */
function onEvent(v, text) {
  let event;
  try {
    event = JSON.parse(text);
  } catch {
    return; // not ours to show; the next event still comes
  }
  if (!Number.isSafeInteger(event?.seq) || event.seq <= v.lastSeq) return;
  v.lastSeq = event.seq;
  const message = event.data?.message;
  if (!message || typeof message !== "object") return;
  const fallback = Date.parse(event.receivedAt);
  switch (event.event) {
    case "message":
    case "message_create":
      record(v, message, { at: fallback });
      break;
    case "message_ack":
      record(v, message, { at: fallback, ack: event.data.ack });
      break;
  }
}

const chatOf = (wid) => (typeof wid === "string" ? wid : typeof wid?._serialized === "string" ? wid._serialized : "");

/**
 * Adds a message to the view, or updates the one with the same id (the same message comes as
 * `message` and `message_create`, and again with each `message_ack`). Ticks only go up: a late
 * event never takes one back.
 */
function record(v, message, { at, ack }) {
  const id = chatOf(message.id) || `unnamed:${++unnamed}`;
  let entry = v.messages.get(id);
  if (!entry) {
    const mine = Boolean(message.fromMe ?? message.id?.fromMe);
    const seconds = Number(message.timestamp ?? message.t);
    entry = {
      mine,
      chat: chatOf(mine ? message.to : message.from),
      name: typeof message.notifyName === "string" ? message.notifyName : typeof message._data?.notifyName === "string" ? message._data.notifyName : "",
      body: typeof message.body === "string" ? message.body : "",
      type: typeof message.type === "string" ? message.type : "chat",
      at: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : at,
      ack: mine ? 0 : undefined,
      node: null,
    };
    v.messages.set(id, entry);
  }
  if (entry.mine && Number.isInteger(ack) && ack > entry.ack) entry.ack = ack;
  draw(v, id, entry);
  return entry;
}

function draw(v, id, entry) {
  if (view !== v) return;
  const list = $("inbox-list");
  const log = $("inbox-log");
  const atBottom = log.scrollHeight - log.scrollTop - log.clientHeight < 40;
  const fresh = !entry.node;
  if (fresh) {
    entry.node = el("li", { className: `msg ${entry.mine ? "out" : "in"}` });
    entry.node.dataset.id = id;
    if (entry.chat) {
      entry.node.dataset.chat = entry.chat;
      entry.node.title = shown(`Reply to ${entry.chat}`);
    }
  }
  const who = entry.mine ? `To ${person(entry.chat)}` : person(entry.chat, entry.name);
  const text = entry.body || `(${entry.type === "chat" ? "empty message" : entry.type})`;
  const meta = el("span", { className: "meta" }, when(entry.at));
  if (entry.mine) meta.append(" ", ticks(entry.ack));
  const parts = [el("span", { className: "who", textContent: who }), el("span", { className: entry.body ? "text" : "text muted", textContent: text }), meta];
  // A button, so the keyboard can pick a chat to reply to as the mouse can.
  entry.node.replaceChildren(entry.chat ? el("button", { type: "button", className: "bubble" }, ...parts) : el("div", { className: "bubble" }, ...parts));
  if (fresh) {
    list.append(entry.node);
    $("inbox-empty").hidden = true;
    if (atBottom) log.scrollTop = log.scrollHeight;
  }
}

function ticks(ack) {
  const [mark, word] = ack < 0 ? ["!", "Not sent"] : (TICKS[Math.min(ack, 3)] ?? TICKS[0]);
  const node = el("span", { className: `ticks ack-${Math.max(-1, Math.min(ack, 3))}`, title: word });
  node.dataset.ack = String(ack);
  // "Read" is written out: blue ticks alone would say it in colour only.
  node.append(el("span", { ariaHidden: "true", textContent: mark }), el("span", { className: word === "Read" ? "" : "visually-hidden", textContent: ` ${word}` }));
  return node;
}

/** A chat id as a person reads it: `+<number>` for a phone, the name first when the sender has one. */
function person(chat, name = "") {
  const phone = /^(\d+)@c\.us$/.exec(chat);
  const shown = phone ? `+${phone[1]}` : /@g\.us$/.test(chat) ? `Group ${chat.replace(/@g\.us$/, "")}` : chat || "Unknown";
  return name ? `${name} (${shown})` : shown;
}

const TIME = new Intl.DateTimeFormat(undefined, { hour: "2-digit", minute: "2-digit" });
const DAY_TIME = new Intl.DateTimeFormat(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });

function when(ms) {
  if (!Number.isFinite(ms)) return el("span");
  const date = new Date(ms);
  const today = date.toDateString() === new Date().toDateString();
  return el("time", { dateTime: date.toISOString(), title: date.toLocaleString(), textContent: (today ? TIME : DAY_TIME).format(date) });
}

// ---- sending ----

async function send(event) {
  event.preventDefault();
  const v = view;
  if (!v) return;
  const chatId = $("reply-to").value.trim();
  const message = $("reply-text").value;
  if (!chatId) {
    showError("Choose a chat first: click a message, or type a chat id such as 4915112345678@c.us in To.");
    return $("reply-to").focus();
  }
  if (!message.trim()) {
    showError("Type a message first.");
    return $("reply-text").focus();
  }
  const button = $("send");
  button.disabled = true;
  setText(button, "Sending…");
  button.setAttribute("aria-busy", "true");
  try {
    const answer = await deps.session().client.sendMessage(v.id, { chatId, message });
    showError("");
    // The stream brings this message too (message_create, then its acks); its id joins them.
    const sent = answer?._data ?? {};
    record(v, { ...sent, id: sent.id, fromMe: true, to: chatId, body: message, type: "chat" }, { at: Date.now(), ack: Number(sent.ack) || 0 });
    if (view === v && $("reply-text").value === message) $("reply-text").value = "";
  } catch (e) {
    if (view === v) showError(deps.why(e, { action: "send messages", id: v.id }));
  } finally {
    setText(button, "Send");
    button.removeAttribute("aria-busy");
    button.disabled = !deps.session().permissions.has("update");
  }
}
