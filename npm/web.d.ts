// Types of `waapi-wasm/web`: the same API, for a page without a bundler, after `await init()`.
export * from "./index.js";

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

/** Loads the wasm (by default from next to this module); await it once before using WaapiClient. */
export default function init(options?: { module_or_path?: InitInput | Promise<InitInput> }): Promise<unknown>;

/** Instantiates the wasm synchronously from its bytes or a compiled module. */
export function initSync(options: { module: BufferSource | WebAssembly.Module }): unknown;
