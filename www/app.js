// The WaAPI dashboard: connect with a token, list and manage instances, link a phone.
// Plain DOM code on the waapi-wasm web build; no framework (the page is a form, a table and two dialogs).
import init, { WaapiClient, isWaapiError } from "./vendor/waapi-wasm/web.js";
import { explain } from "./errors.js";
import { initInbox, openInbox } from "./inbox.js";
import { el, isHttpsUrl, isPngDataUrl, setText, shown } from "./text.js";

const EVENTS = [
  "message", "loading_screen", "qr", "authenticated", "auth_failure", "ready", "disconnected",
  "message_create", "message_edit", "message_revoke_everyone", "message_revoke_me", "message_ack",
  "message_reaction", "media_uploaded", "group_join", "group_leave", "group_update", "change_state",
  "call", "vote_update",
];
const STATUS_TEXT = {
  booting: "Booting", loading_screen: "Loading", qr: "Needs scan", authenticated: "Authenticating",
  auth_failure: "Sign-in failed", ready: "Ready", disconnected: "Disconnected",
};
const REMEMBER_KEY = "waapi-dashboard";
const POLL_FIRST_MS = 1000;
const POLL_MAX_MS = 10_000;
const QR_REFRESH_MS = 20_000;

const $ = (id) => document.getElementById(id);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

let client = null;
/** The key and API base URL of the connection, for the messages view's own fetch of the event stream. */
let session = null;
/**
 * The caller's permissions when the API is the edge handler (it says them at GET /edge/v1/key),
 * as a Set; null when talking to WaAPI directly, which cannot say: then every button stays on
 * and a refusal is explained after the click.
 */
let edgePermissions = null;
/** id → { instance, status, row }; the table is drawn from it, one row updated at a time. */
const instances = new Map();
let listSeq = 0; // only the newest list answer is drawn (typing in Filter starts several)
let retryTimer = 0;

// ---- messages ----

function showError(text, where = $("error")) {
  setText(where, text);
  where.hidden = !text;
  if (text && where.id === "error") $("flash").hidden = true;
}

function flash(text) {
  showError("");
  setText($("flash"), text);
  $("flash").hidden = false;
}

/** Runs `work` with `button` disabled and showing `label`, so every slow call is visible. */
async function busy(button, label, work) {
  const name = button.textContent;
  button.disabled = true;
  setText(button, label);
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    setText(button, name);
    button.removeAttribute("aria-busy");
  }
}

// ---- connect ----

/**
 * Is the API the edge handler, and what may this key do there? The edge serves this page and its
 * API on one origin, so only a same-origin API is asked (a direct WaAPI is never sent to an
 * unknown path). The edge answers `GET /edge/v1/key` with `{"permissions":[…]}`, or 401 with
 * `WWW-Authenticate: Bearer realm="waapi-edge"` when it refuses the key. Resolves to
 * { edge: false } (not the edge: WaAPI directly, or something else), { edge: true, permissions }
 * or { edge: true, refused: true }.
 */
async function askEdge(baseUrl, token) {
  if (new URL(baseUrl).origin !== location.origin) return { edge: false };
  let res;
  try {
    res = await fetch(new URL("/edge/v1/key", location.origin), {
      headers: { Authorization: `Bearer ${token}`, Accept: "application/json" },
      cache: "no-store",
    });
  } catch {
    return { edge: false };
  }
  if (res.status === 401 && /realm="waapi-edge"/.test(res.headers.get("www-authenticate") ?? "")) {
    return { edge: true, refused: true };
  }
  if (!res.ok) return { edge: false };
  const body = await res.json().catch(() => null);
  if (!Array.isArray(body?.permissions)) return { edge: false };
  return { edge: true, permissions: new Set(body.permissions) };
}

/** The sentence for a failed call; an edge's 401 is the edge refusing the key, not WaAPI. */
function why(error, context) {
  if (edgePermissions && isWaapiError(error) && error.kind === "unauthorized") return EDGE_REFUSED;
  return explain(error, context);
}
const EDGE_REFUSED = "The edge did not accept this key. Check it and connect again.";

/** Turns off what the key may not do (known only through the edge), and says why. */
function applyPermissions() {
  const may = (p) => !edgePermissions || edgePermissions.has(p);
  const missing = ["create", "update", "delete"].filter((p) => !may(p));
  const note = missing.length
    ? `This key may not ${missing.map((p) => (p === "update" ? "change" : p)).join(", ").replace(/, ([^,]*)$/, " or $1")} instances.`
    : "";
  for (const [id, permission] of [["new-instance", "create"], ["save", "update"], ["delete", "delete"]]) {
    const button = $(id);
    button.disabled = !may(permission);
    if (button.disabled) button.setAttribute("aria-describedby", "key-note");
    else button.removeAttribute("aria-describedby");
    button.title = button.disabled ? shown(note) : "";
  }
  for (const where of [$("key-note"), $("detail-key-note")]) {
    setText(where, note);
    where.hidden = !note;
  }
}

function connect(event) {
  event.preventDefault();
  const button = $("connect");
  const token = $("token").value.trim();
  let baseUrl;
  try {
    baseUrl = new URL($("base-url").value.trim() || "/api/v1", location.href).href;
  } catch {
    return showError("The API base URL is not a valid URL.");
  }
  try {
    new WaapiClient(token, { baseUrl, timeoutMs: 15_000 }); // checks the token and URL before anything is sent
  } catch (e) {
    client = null;
    return showError(explain(e));
  }
  if ($("remember").checked) {
    sessionStorage.setItem(REMEMBER_KEY, JSON.stringify({ baseUrl: $("base-url").value, token }));
  } else {
    sessionStorage.removeItem(REMEMBER_KEY);
  }
  return busy(button, "Connecting…", async () => {
    const edge = await askEdge(baseUrl, token);
    if (edge.refused) {
      client = null;
      $("instances").hidden = true;
      setText($("conn-state"), "Not connected");
      $("conn-state").classList.remove("on");
      return showError(EDGE_REFUSED);
    }
    edgePermissions = edge.edge ? edge.permissions : null;
    session = { token, baseUrl };
    // The edge already retries what WaAPI failed (once, with backoff); the page's own retries
    // would multiply the upstream requests (3 × 2 for one Refresh). Through the edge the page
    // sends each call once; straight to WaAPI it keeps the package's retries.
    // Through the edge, the edge decides which webhook hosts it accepts (its own receiver on a
    // local edge is a loopback URL); the page's copy of the check would refuse that before asking.
    client = new WaapiClient(token, {
      baseUrl,
      timeoutMs: 15_000,
      ...(edge.edge ? { maxRetries: 0, allowPrivateWebhookHosts: true } : {}),
    });
    applyPermissions();
    if (await loadList()) {
      setText($("conn-state"), `Connected to ${new URL(baseUrl).host}`);
      $("conn-state").classList.add("on");
      $("instances").hidden = false;
    }
  });
}

// ---- the list ----

/** Lists instances with the current filter; true when it succeeded. A rate limit retries once. */
async function loadList({ retried = false } = {}) {
  clearTimeout(retryTimer);
  const seq = ++listSeq;
  const filter = $("filter").value.trim();
  setListBusy(true, filter ? `Loading instances matching “${filter}”…` : "Loading instances…");
  let after = null; // the status line when the list failed
  try {
    const list = await client.listInstances(filter || undefined);
    if (seq !== listSeq) return false;
    showError("");
    drawList(list, filter);
    return true;
  } catch (e) {
    if (seq !== listSeq) return false;
    if (isWaapiError(e) && e.kind === "rate_limited" && !retried) {
      showError(`WaAPI is rate limiting; retrying in ${e.retryAfter} s.`);
      retryTimer = setTimeout(() => loadList({ retried: true }), e.retryAfter * 1000);
      after = `Retrying in ${e.retryAfter} s…`;
    } else {
      showError(why(e, { action: "list instances" }));
      after = notLoaded();
    }
    return false;
  } finally {
    if (seq === listSeq) {
      setListBusy(false);
      // A failed list keeps the rows it had; the line must not keep saying "Loading…".
      if (after) setText($("list-status"), after);
    }
  }
}

/** The status line after a failed list: the rows still shown are from before. */
function notLoaded() {
  const n = instances.size;
  return n ? `Not refreshed: showing the ${n} instance${n === 1 ? "" : "s"} loaded before.` : "Instances could not be loaded.";
}

function setListBusy(on, text = "") {
  $("table").setAttribute("aria-busy", String(on));
  $("list-status").classList.toggle("loading", on);
  if (on) setText($("list-status"), text);
}

function drawList(list, filter) {
  instances.clear();
  $("rows").replaceChildren();
  for (const instance of list) upsert(instance);
  updateCounts(filter);
  for (const instance of list) refreshStatus(instance.id);
}

function updateCounts(filter = $("filter").value.trim()) {
  const n = instances.size;
  setText($("list-status"), `${n} instance${n === 1 ? "" : "s"}${filter ? ` matching “${filter}”` : ""}`);
  $("empty").hidden = n > 0;
  $("table").hidden = n === 0;
  setText(
    $("empty"),
    filter ? `No instance matches “${filter}”. Clear the filter to see all.` : "No instances yet. “New instance” creates one.",
  );
}

/** Adds or redraws the row of `instance`, keeping its buttons (and the focus on them). */
function upsert(instance, status) {
  let entry = instances.get(instance.id);
  if (!entry) {
    const row = el("tr");
    row.dataset.id = instance.id;
    for (let i = 0; i < 7; i++) row.append(el("td"));
    const cells = row.children;
    for (const [i, label] of ["ID", "Name", "Owner", "Webhook", "Events", "Status", ""].entries()) {
      cells[i].dataset.label = label;
    }
    cells[6].className = "row-actions";
    entry = { instance, status: undefined, row };
    instances.set(instance.id, entry);
    $("rows").append(row);
  }
  entry.instance = instance;
  if (status !== undefined) entry.status = status;
  drawRow(entry);
  return entry;
}

function drawRow({ instance, status, row }) {
  const [id, name, owner, webhook, events, state, actions] = row.children;
  setText(id, instance.id);
  const title = el("span", { className: "cell-text" }, el("span", { className: "name", textContent: instance.name ?? "(no name)" }));
  if (instance.is_trial) title.append(" ", el("span", { className: "badge trial", textContent: "Trial" }));
  name.replaceChildren(title);
  owner.replaceChildren(el("span", { className: "cell-text", textContent: instance.owner ?? "" }));
  webhook.replaceChildren(
    instance.webhook_url
      ? el("span", { className: "url", textContent: instance.webhook_url, title: instance.webhook_url })
      : el("span", { className: "muted", textContent: "None" }),
  );
  const chips = (instance.webhook_events ?? []).map((e) => el("li", { className: "chip", textContent: e }));
  events.replaceChildren(chips.length ? el("ul", { className: "chips" }, ...chips) : el("span", { className: "muted", textContent: "None" }));
  state.replaceChildren(statusBadge(status));
  const label = instance.name ?? `instance ${instance.id}`;
  const buttons = [el("button", { type: "button", className: "small", textContent: "Manage", ariaLabel: `Manage ${label}` })];
  buttons[0].addEventListener("click", () => openDetail(instance.id));
  // Messages live at the edge (its webhook receiver keeps them); WaAPI alone keeps none.
  if (edgePermissions) {
    const messages = el("button", { type: "button", className: "small", textContent: "Messages", ariaLabel: `Messages for ${label}` });
    messages.addEventListener("click", () => openInbox(instance.id));
    buttons.unshift(messages);
  }
  if (status === "qr") {
    const phone = el("button", { type: "button", className: "small primary", textContent: "Connect phone", ariaLabel: `Connect phone to ${label}` });
    phone.addEventListener("click", () => openDetail(instance.id));
    buttons.unshift(phone);
  }
  // Only swap the buttons when they change, so a focused one keeps its focus.
  const names = buttons.map((b) => b.ariaLabel).join("|");
  if (actions.dataset.names !== names) {
    actions.replaceChildren(...buttons);
    actions.dataset.names = names;
  }
}

/** Status as text with a coloured dot: undefined while loading, null when it could not be read. */
function statusBadge(status) {
  if (status === undefined) return el("span", { className: "status loading", textContent: "Checking…" });
  if (status === null) return el("span", { className: "status unknown", textContent: "Unavailable" });
  return el("span", { className: `status s-${status}`, textContent: STATUS_TEXT[status] ?? status });
}

async function refreshStatus(id) {
  try {
    const s = await client.clientStatus(id);
    const entry = instances.get(id);
    if (entry) upsert(entry.instance, s.instanceStatus);
  } catch (e) {
    if (isWaapiError(e) && e.kind === "not_found") return forget(id);
    const entry = instances.get(id);
    if (entry) upsert(entry.instance, null);
  }
}

function forget(id, message = `Instance ${id} no longer exists.`) {
  const entry = instances.get(id);
  if (!entry) return;
  entry.row.remove();
  instances.delete(id);
  updateCounts();
  if (message) showError(message);
}

async function createInstance(event) {
  await busy(event.currentTarget, "Creating…", async () => {
    try {
      const instance = await client.createInstance();
      upsert(instance);
      updateCounts();
      flash(`Created “${instance.name}” (instance ${instance.id}).`);
      refreshStatus(instance.id);
    } catch (e) {
      showError(why(e, { action: "create instances" }));
    }
  });
}

// ---- the detail dialog: edit, delete, link a phone ----

let current = null; // { id, stop } while the dialog is open

function openDetail(id) {
  const entry = instances.get(id);
  if (!entry) return;
  const { instance } = entry;
  setText($("detail-kicker"), `Instance ${id}${instance.is_trial ? " · Trial" : ""}`);
  setText($("detail-title"), instance.name ?? `Instance ${id}`);
  $("edit-name").value = instance.name ?? "";
  $("edit-webhook").value = instance.webhook_url ?? "";
  const active = new Set(instance.webhook_events ?? []);
  // Events are an open set: one the server knows and this page does not still gets a box, so Save keeps it.
  const names = [...EVENTS, ...[...active].filter((e) => !EVENTS.includes(e))];
  $("events").replaceChildren(
    ...names.map((name) => {
      const box = el("input", { type: "checkbox", value: name, checked: active.has(name) });
      return el("label", { className: "check" }, box, ` ${name}`);
    }),
  );
  showError("", $("detail-error"));
  webhookError("");
  current = { id, stop: watchPhone(id) };
  $("detail").showModal();
}

function closeDetail() {
  current?.stop();
  current = null;
  // The confirmation belongs to the dialog: when the dialog goes (e.g. the instance was deleted
  // elsewhere), so does the question.
  if ($("confirm").open) $("confirm").close();
}

/** Marks the webhook field invalid with `text` next to it, or clears the mark (""). */
function webhookError(text) {
  const input = $("edit-webhook");
  setText($("webhook-error"), text);
  $("webhook-error").hidden = !text;
  if (text) {
    input.setAttribute("aria-invalid", "true");
    input.setAttribute("aria-describedby", "webhook-error webhook-hint");
    input.focus();
  } else {
    input.removeAttribute("aria-invalid");
    input.setAttribute("aria-describedby", "webhook-hint");
  }
}

/** What is wrong with the webhook URL, when `error` is about it (refused before sending, or by WaAPI). */
function webhookProblem(error) {
  if (!isWaapiError(error)) return "";
  if (error.kind === "invalid_input" && /^A webhook URL\b/.test(error.message)) return error.message;
  if (error.kind === "validation") {
    const [, texts] = Object.entries(error.errors ?? {}).find(([field]) => /webhook.?url/i.test(field)) ?? [];
    if (texts?.length) return [texts].flat().join(" ");
  }
  return "";
}

async function save(event) {
  event.preventDefault();
  if (!current) return;
  const { id } = current;
  const update = {
    name: $("edit-name").value.trim(),
    webhook: {
      url: $("edit-webhook").value.trim() || null,
      events: [...$("events").querySelectorAll("input:checked")].map((box) => box.value),
    },
  };
  await busy(event.submitter, "Saving…", async () => {
    try {
      const s = await client.updateInstance(id, update);
      const old = instances.get(id)?.instance ?? { id };
      upsert({ ...old, name: s.name, webhook_url: s.instanceWebhook, webhook_events: s.instanceEvents }, s.instanceStatus);
      $("detail").close();
      flash(`Saved “${s.name}”.`);
    } catch (e) {
      const problem = webhookProblem(e);
      if (problem) {
        showError("", $("detail-error"));
        webhookError(problem);
      } else {
        detailFailed(e, id, "change instances");
      }
    }
  });
}

function detailFailed(error, id, action) {
  if (isWaapiError(error) && error.kind === "not_found") {
    $("detail").close();
    forget(id);
  } else {
    showError(why(error, { action, id }), $("detail-error"));
  }
}

let deleting = null; // the id the confirmation asks about, fixed when it opens

function askDelete() {
  const entry = current && instances.get(current.id);
  if (!entry) return;
  const { instance } = entry;
  deleting = instance.id;
  const named = instance.name ? `instance ${instance.id} “${instance.name}”` : `instance ${instance.id}`;
  setText($("confirm-title"), `Delete ${named}?`);
  setText($("confirm-text"), `This deletes ${named} and unlinks its phone. It cannot be undone.`);
  $("confirm").showModal();
}

async function confirmDelete(event) {
  const id = deleting;
  if (id === null) return $("confirm").close();
  const name = instances.get(id)?.instance.name;
  await busy(event.currentTarget, "Deleting…", async () => {
    try {
      await client.deleteInstance(id);
      $("confirm").close();
      $("detail").close();
      forget(id, "");
      flash(`Deleted ${name ? `“${name}” (instance ${id})` : `instance ${id}`}.`);
    } catch (e) {
      $("confirm").close();
      detailFailed(e, id, "delete instances");
    }
  });
}

/**
 * Polls the instance's status while the dialog is open, with backoff: shows the QR while it is in
 * `qr` and the account once it is `ready`. Returns the function that stops it.
 */
function watchPhone(id) {
  let alive = true;
  const status = $("phone-status");
  const qr = $("qr");
  qr.hidden = $("qr-help").hidden = $("me").hidden = true;
  qr.removeAttribute("src");
  $("me-pic").removeAttribute("src");
  setText(status, "Checking the phone…");
  status.className = "phone-status loading";

  (async () => {
    let delay = POLL_FIRST_MS;
    let last = null;
    let qrAt = 0;
    while (alive) {
      try {
        const s = await client.clientStatus(id);
        if (!alive) return;
        const entry = instances.get(id);
        if (entry) upsert(entry.instance, s.instanceStatus);
        if (s.instanceStatus !== last) delay = POLL_FIRST_MS;
        last = s.instanceStatus;
        if (last === "ready") return showMe(id, () => alive);
        if (last === "qr") {
          if (Date.now() - qrAt > QR_REFRESH_MS) {
            const data = await qrImage(id);
            if (!alive) return;
            if (data) qr.src = data;
            else qr.removeAttribute("src");
            qrAt = data ? Date.now() : 0; // a bad QR is asked for again at the next poll
          }
          const usable = qr.hasAttribute("src");
          qr.hidden = $("qr-help").hidden = !usable;
          setText(status, usable ? "Waiting for the phone to scan the QR code…" : QR_UNUSABLE);
        } else {
          qr.hidden = $("qr-help").hidden = true;
          qrAt = 0;
          setText(status, phoneText(last));
          if (last === "disconnected" || last === "auth_failure") {
            status.className = "phone-status";
            return;
          }
        }
      } catch (e) {
        if (!alive) return;
        if (isWaapiError(e) && e.kind === "not_found") return detailFailed(e, id);
        setText(status, `${why(e, { action: "read this instance", id })} Trying again…`);
      }
      await sleep(delay);
      delay = Math.min(delay * 1.6, POLL_MAX_MS);
    }
  })();
  return () => {
    alive = false;
  };
}

const QR_UNUSABLE = "The QR code could not be shown: WaAPI sent something that is not a PNG image. Trying again…";

/**
 * The instance's QR code as an image source, or null when WaAPI sent something else: the page
 * uses only `data:image/png;base64,` and base64 to the end, whatever the package let through
 * (since issue 17 the package refuses the rest itself, with kind `decode`).
 */
async function qrImage(id) {
  let data;
  try {
    data = await client.qrCode(id);
  } catch (e) {
    if (isWaapiError(e) && e.kind === "decode") return null;
    throw e;
  }
  return isPngDataUrl(data) ? data : null;
}

function phoneText(state) {
  switch (state) {
    case "disconnected": return "Disconnected: no phone is linked. Reboot the instance from WaAPI to get a new QR code.";
    case "auth_failure": return "The phone could not sign in. Reboot the instance from WaAPI to try again.";
    case "authenticated": return "Phone scanned; signing in…";
    default: return `Starting (${STATUS_TEXT[state] ?? state})…`;
  }
}

async function showMe(id, isAlive) {
  const status = $("phone-status");
  $("qr").hidden = $("qr-help").hidden = true;
  setText(status, "Ready. Loading the linked account…");
  try {
    const me = await client.me(id);
    if (!isAlive()) return;
    setText($("me-name"), me.displayName || "(no name)");
    setText($("me-number"), me.formattedNumber || "");
    setText($("me-contact"), me.contactId || "");
    // Letters and digits only: a name that starts with a control or a mark still gets initials.
    const initials = (me.displayName || "").split(/\s+/).map((w) => w.match(/[\p{L}\p{N}]/u)?.[0] ?? "").join("").slice(0, 2).toUpperCase() || "?";
    setText($("me-initials"), initials);
    // Only https pictures, whatever the package let through: a `javascript:` or `http://169.254…`
    // value is never an image source (the CSP would be the last line, not the only one).
    const pic = isHttpsUrl(me.profilePicUrl) ? me.profilePicUrl : "";
    if (pic) {
      $("me-pic").src = pic;
      $("me-pic").alt = shown(`Profile picture of ${me.displayName || "this account"}`);
    }
    else $("me-pic").removeAttribute("src");
    $("me-pic").hidden = !pic;
    $("me-initials").hidden = Boolean(pic);
    $("me").hidden = false;
    setText(status, "Ready: this phone is linked.");
  } catch (e) {
    if (isAlive()) setText(status, `Ready, but the account could not be read. ${why(e, { action: "read this instance", id })}`);
  }
  status.className = "phone-status";
}

// ---- start ----

async function start() {
  try {
    await init();
  } catch {
    showError("The WaAPI client did not load. Reload the page.");
    return;
  }
  $("connect-form").addEventListener("submit", connect);
  $("connect").disabled = false; // disabled in the HTML: a click before this point would submit the form natively
  $("refresh").addEventListener("click", (e) => busy(e.currentTarget, "Refreshing…", () => loadList()));
  $("new-instance").addEventListener("click", createInstance);
  let typing = 0;
  $("filter").addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(loadList, 300);
  });
  $("filter").addEventListener("keydown", (e) => {
    if (e.key !== "Enter") return;
    clearTimeout(typing);
    loadList();
  });
  $("edit-form").addEventListener("submit", save);
  $("detail-close").addEventListener("click", () => $("detail").close());
  $("detail").addEventListener("close", closeDetail);
  $("delete").addEventListener("click", askDelete);
  $("confirm-cancel").addEventListener("click", () => $("confirm").close());
  $("confirm").addEventListener("close", () => (deleting = null));
  $("edit-webhook").addEventListener("input", () => webhookError(""));
  $("confirm-delete").addEventListener("click", confirmDelete);
  initInbox({
    session: () => ({ client, token: session.token, apiBase: session.baseUrl, permissions: edgePermissions }),
    why,
    instance: (id) => instances.get(id)?.instance,
  });
  $("me-pic").addEventListener("error", () => {
    $("me-pic").hidden = true;
    $("me-initials").hidden = false;
  });

  const remembered = JSON.parse(sessionStorage.getItem(REMEMBER_KEY) ?? "null");
  if (remembered?.token) {
    $("base-url").value = remembered.baseUrl ?? "/api/v1";
    $("token").value = remembered.token;
    $("remember").checked = true;
    $("connect-form").requestSubmit();
  }
  document.body.dataset.ready = "true";
}

start();
