// The JavaScript half of the crate: one attempt (`attempt`, for src/transport.rs and `drive`), the
// wait before a retry, and the JS client's calls (`drive`, for src/js.rs), which read the usual
// answers with one JSON.parse and hand everything else to the wasm.

const TIMEOUT = "waapi:timeout", ABORTED = "waapi:aborted";
const g = globalThis;
// User-Agent is sent where the runtime lets a script set it (Node, Bun, Deno, workerd). Browsers
// are left alone: Chromium drops the header, and elsewhere it is not CORS-safelisted, so it would
// add a preflight header the API may not allow.
const UA = g.process?.versions?.node || g.Deno || g.navigator?.userAgent === "Cloudflare-Workers";

// Hooks get no header and no token; one that throws (or rejects) is ignored, so that logging
// cannot break a call.
const tell = (hook, event) => {
  try {
    const r = hook(event);
    if (typeof r?.then === "function") r.then(undefined, () => {});
  } catch {}
};

// One attempt: the AbortController and its timer, the request, the response and then its body,
// in one crossing of the wasm boundary for Rust callers and one awaited promise. The timer covers
// the body read; a timeout rejects with the string "waapi:timeout", the caller's AbortSignal with
// "waapi:aborted". The controller comes back too, so that Rust can abort when the caller drops
// the call.
//
// `ctx` (the JS client's own fetch and hooks) and `signal` are undefined unless the caller set
// them, and then cost nothing but a test each: no closure, listener or timestamp.
//
// Redirects are never followed ("manual"): Node and workerd hand over the 3xx itself, browsers
// an opaque one (status 0, no headers). The body is read as a stream, chunk by chunk, and left
// as chunks (Rust copies them once into wasm memory); a Content-Length over `max` is refused
// before reading, and a stream without one (or a compressed one) is cancelled once it passes
// `max`. It resolves to [kind, status, text, chunks, size]: kind 0 an answer (text: its
// Retry-After), 1 too large, 2 a redirect (text: the Location's origin, when known); the body
// of the last two is cancelled, so the connection closes rather than download it.
export function attempt(method, url, authorization, body, ms, max, ctx, signal, n, version) {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(TIMEOUT), ms);
  const headers = { Authorization: authorization, Accept: "application/json", "Content-Type": "application/json" };
  if (UA) headers["User-Agent"] = version;
  let stop, send = g.fetch, started;
  if (signal) {
    stop = () => controller.abort(ABORTED);
    if (signal.aborted) stop();
    else signal.addEventListener("abort", stop);
  }
  if (ctx) {
    send = ctx.fetch ?? send;
    if (ctx.onRequest) tell(ctx.onRequest, { method, url, attempt: n });
    if (ctx.onResponse) started = Date.now();
  }
  // One async function (not a chain of then, catch and finally): fewer promises per attempt.
  const done = (async () => {
    try {
      const r = await send(url, { method, headers, body, signal: controller.signal, redirect: "manual" });
      const s = r.status, h = r.headers, chunks = [];
      let kind = 0, text = h.get("retry-after"), size = 0, reader;
      if (r.type === "opaqueredirect" || (s > 299 && s < 400)) {
        kind = 2;
        text = undefined;
        try {
          const to = h.get("location");
          if (to) text = new URL(to, url).origin;
        } catch {}
      } else if (+h.get("content-length") > max) kind = 1;
      else if ((reader = r.body?.getReader())) {
        for (let c; !(c = await reader.read()).done; chunks.push(c.value)) {
          if ((size += c.value.length) > max) {
            kind = 1;
            break;
          }
        }
      }
      if (kind) (reader ?? r.body)?.cancel().catch(() => {});
      if (started !== undefined) tell(ctx.onResponse, { status: s, ms: Date.now() - started, attempt: n });
      return [kind, s, text, chunks, size];
    } catch (e) {
      const why = controller.signal.reason;
      throw why === TIMEOUT || why === ABORTED ? why : e;
    } finally {
      clearTimeout(timer);
      if (stop) signal.removeEventListener("abort", stop);
    }
  })();
  return [done, controller];
}

// Resolves after `ms`, or rejects with "waapi:aborted" when `signal` aborts first.
export function wait(ms, signal) {
  return new Promise((resolve, reject) => {
    if (!signal) return void setTimeout(resolve, ms);
    if (signal.aborted) return reject(ABORTED);
    const stop = () => (clearTimeout(timer), reject(ABORTED));
    const timer = setTimeout(() => (signal.removeEventListener("abort", stop), resolve()), ms);
    signal.addEventListener("abort", stop, { once: true });
  });
}

// The body's text as Rust's `String::from_utf8_lossy` reads the bytes: each invalid sequence one
// U+FFFD (both follow the WHATWG "maximal subpart" rule), and a byte order mark kept, not eaten.
const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
function text(chunks, size) {
  if (chunks.length < 2) return chunks.length ? decoder.decode(chunks[0]) : "";
  const all = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) all.set(c, at), (at += c.length);
  return decoder.decode(all);
}

// What an attempt came to, as `Call::step` in src/js.rs numbers it.
const ANSWER = 0, TIMED_OUT = 3, STOPPED = 4, UNREACHED = 5;
const READERS = [(t) => readInstances(t, false), (t) => readInstances(t, true), readAction];

// A call of the JS client, once src/js.rs checked its arguments and built the request: the
// attempts, the waits between them and the answer. A 2xx is read by the call's usual reader
// (`READERS[read]`, below) when it can; everything else goes to `call`, the wasm's `Call`:
// `step` decides after each attempt (the crate's retry policy), `value` reads the answer the
// usual reader left or words the error. `call` is freed at the end. `auth` is the Authorization
// header, `ms` each attempt's timeout, `max` maxResponseBytes, `version` the User-Agent.
export async function drive(call, method, url, auth, body, ms, max, ctx, signal, version, read) {
  const usual = READERS[read];
  try {
    for (let n = 1; ; n++) {
      let kind, status = 0, header, answer, cause, chunks, size;
      try {
        [kind, status, header, chunks, size] = await attempt(method, url, auth, body, ms, max, ctx, signal, n, version)[0];
      } catch (e) {
        kind = e === TIMEOUT ? TIMED_OUT : e === ABORTED ? STOPPED : UNREACHED;
        cause = e === ABORTED ? signal.reason : e;
      }
      if (kind === ANSWER) {
        answer = text(chunks, size);
        if (status > 199 && status < 300 && usual) {
          const value = usual(answer);
          if (value !== undefined) return value;
        }
      }
      const delay = call.step(n, kind, status, header, answer, cause);
      if (delay < 0) return call.value();
      if (ctx?.onRetry) {
        const reason = kind === TIMED_OUT ? "timeout" : kind !== ANSWER ? "network" : status === 429 ? "rate_limited" : "server";
        tell(ctx.onRetry, kind === ANSWER ? { attempt: n + 1, delayMs: delay, reason, status } : { attempt: n + 1, delayMs: delay, reason });
      }
      try {
        await wait(delay, signal);
      } catch {
        call.step(n + 1, STOPPED, 0, undefined, undefined, signal.reason);
        return call.value();
      }
    }
  } finally {
    call.free();
  }
}

// The instance answers as JavaScript reads them: one `JSON.parse` of WaAPI's text, each instance
// checked and normalised as the crate's decoder does (`decode::instance` in src/models.rs, the
// wrappers of `Reply::instance_list` and `Reply::instance` in src/envelope.rs). Only the usual
// answer is read here. For anything else (not JSON, an error status, a field missing or of
// another type, a negative number or one with a fraction or exponent, a surrogate escape) it
// gives `undefined` and the crate decodes the text: the crate has the last word and the words of
// every error. An action's answer likewise: its payload is picked out of the envelope as the crate
// does. tests/node/usual-answers.test.mjs holds the two readers to the same results. One
// difference is left: `JSON.parse` also reads nesting deeper than the crate's 128 levels (the
// crate refuses the answer), in members the instance reader drops and in an action's payload,
// which it hands over.
//
// The crate refuses an id or is_trial written 3.0, 3e0 or -0, and reads a lone surrogate as
// U+FFFD; JSON.parse cannot tell, so such text goes to the crate. Without a `\u` escape in the
// text the keys are spelled as they are read and a look at those two members is enough (0.75 ms
// for 10 000 instances, against 2.5 for every number); with one, every number is looked at.
const ODD_NUMBER = /"(?:id|is_trial)"\s*:\s*(?:-|\d+[.eE])/;
const ODD_ESCAPED = /[:,[]\s*(?:-|\d+[.eE])|\\u[dD][89a-fA-F]/;
const SURROGATE = /\\u[dD][89a-fA-F]/;
const unusual = (text) => (text.includes("\\u") ? ODD_ESCAPED : ODD_NUMBER).test(text);
const own = (o, k) => (Object.hasOwn(o, k) ? o[k] : undefined);
const isObject = (v) => typeof v === "object" && v !== null && !Array.isArray(v);
const isError = (v) => isObject(v) && typeof own(v, "status") === "string" && own(v, "status").toLowerCase() === "error";
// The parsed answer when it is an object whose status is not an error; else undefined.
function rootOf(text) {
  try {
    const root = JSON.parse(text);
    return isObject(root) && !isError(root) ? root : undefined;
  } catch {}
}
const LIST = ["instances", "instance", "data"], ONE = ["instance", "instances", "data"];

function events(items, out, depth) {
  for (const e of items) {
    if (typeof e === "string") out.push(e);
    else if (!Array.isArray(e) || depth > 100 || !events(e, out, depth + 1)) return false;
  }
  return true;
}

function instance(v) {
  if (!isObject(v)) return;
  let id = own(v, "id");
  if (typeof id === "string" && /^[0-9]{1,20}$/.test(id)) id = Number(id);
  if (!Number.isSafeInteger(id) || id < 1) return;
  const name = own(v, "name") ?? null, owner = own(v, "owner"), url = own(v, "webhook_url") ?? null;
  if ((name !== null && typeof name !== "string") || typeof owner !== "string") return;
  if (url !== null && typeof url !== "string") return;
  const listed = own(v, "webhook_events"), list = [];
  if (listed != null && !(Array.isArray(listed) && events(listed, list, 0))) return;
  const t = own(v, "is_trial");
  let trial;
  if (t == null || t === false || t === 0 || t === "0" || t === "false") trial = false;
  else if (t === true || t === 1 || t === "1" || t === "true") trial = true;
  else return;
  return { id, name, owner, webhook_url: url, webhook_events: list, is_trial: trial };
}

function readInstances(text, one) {
  const root = unusual(text) ? undefined : rootOf(text);
  if (!root) return;
  let v;
  for (const k of one ? ONE : LIST) if ((v = own(root, k)) != null) break;
  if (v == null || isError(v)) return;
  if (Array.isArray(v)) {
    if (one) return v.length === 1 ? instance(v[0]) : undefined;
    const out = new Array(v.length);
    for (let i = 0; i < v.length; i++) if ((out[i] = instance(v[i])) === undefined) return;
    return out;
  }
  const i = instance(v);
  return one || i === undefined ? i : [i];
}

// An action's payload as `Reply::action_payload` finds it: `data.data` under an inner envelope
// (`data` with a status of success or error), `data` otherwise, null when there is none; an
// error status at either level goes to the crate, as does a surrogate escape (the crate reads a
// lone one as U+FFFD). Numbers need no look: the crate hands over their text as WaAPI wrote it.
const INNER = /^(?:success|error)$/i;
function readAction(text) {
  const root = SURROGATE.test(text) ? undefined : rootOf(text);
  if (!root) return;
  const data = own(root, "data");
  if (isObject(data) && typeof own(data, "status") === "string" && INNER.test(data.status)) {
    return isError(data) ? undefined : own(data, "data") ?? null;
  }
  return data ?? null;
}
