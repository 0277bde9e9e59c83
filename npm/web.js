// `waapi-wasm/web`, for a page without a bundler: `await init()` once, then the same API. The
// .wasm is a separate file here (cached on its own, compiled while it downloads).
import load from "./waapi_wasm.js";

/** Loads the wasm (by default waapi_wasm_bg.wasm beside this file) once; says what to do when it cannot. */
export default async function init(options) {
  try {
    return await load(options);
  } catch (e) {
    throw new Error(
      `waapi-wasm/web could not load its .wasm (${e?.message ?? e}). Serve waapi_wasm_bg.wasm beside web.js, or pass ` +
        `its URL as init({ module_or_path }); with a bundler that does not emit it (esbuild), import "waapi-wasm" instead: ` +
        `it carries the wasm inside its JS.`,
      { cause: e },
    );
  }
}
export { initSync } from "./waapi_wasm.js";
export { WaapiClient, WaapiError, VERSION, isWaapiError, parseWebhookEvent } from "./actions.js";
