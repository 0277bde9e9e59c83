// How the page writes data from WaAPI and webhooks: as text (never HTML), with its bidi controls
// made visible, and image sources only of the kinds it expects. Imported by app.js and inbox.js.

// Controls that reorder the text around them: embeddings and overrides (U+202A–U+202E),
// isolates (U+2066–U+2069), and the marks (U+200E, U+200F, U+061C).
const BIDI = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

/**
 * `value` as the page shows it: each bidi control replaced by a visible marker such as ⟨U+202E⟩.
 * Shown, not stripped: `‮gnp.exe‬` must not pass for "exe.png", and dropping the controls
 * silently would hide that someone put them there. Every text the page writes goes through here.
 *
 *   shown("admin \u202E@evil.example") // "admin ⟨U+202E⟩@evil.example"
 */
export function shown(value) {
  return String(value ?? "").replace(BIDI, (c) => `⟨U+${c.codePointAt(0).toString(16).toUpperCase().padStart(4, "0")}⟩`);
}

/** Sets the text of `node` to `value`, through `shown`. */
export function setText(node, value) {
  node.textContent = shown(value);
}

// The properties `el` passes through `shown`: what a person reads or hears.
const SHOWN = new Set(["textContent", "title", "ariaLabel", "alt"]);

/** A new element with `props` (texts through `shown`) and `children` (strings become text nodes). */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) node[key] = SHOWN.has(key) ? shown(value) : value;
  node.append(...children.map((c) => (typeof c === "string" ? shown(c) : c)));
  return node;
}

/** True for an absolute `https:` URL with a host: the only profile picture source the page uses. */
export function isHttpsUrl(value) {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" && url.hostname !== "";
  } catch {
    return false;
  }
}

export const PNG_DATA_URL = "data:image/png;base64,";

/**
 * True for `data:image/png;base64,` followed by base64 only, to its end (RFC 4648's alphabet,
 * `=` only as final padding, a length a decoder takes): the only QR source the page uses.
 */
export function isPngDataUrl(value) {
  if (typeof value !== "string" || !value.startsWith(PNG_DATA_URL)) return false;
  const b64 = value.slice(PNG_DATA_URL.length);
  const data = b64.replace(/=+$/, "");
  const padding = b64.length - data.length;
  return (
    /^[A-Za-z0-9+/]+$/.test(data) && data.length % 4 !== 1 && (padding === 0 || (padding <= 2 && b64.length % 4 === 0))
  );
}
