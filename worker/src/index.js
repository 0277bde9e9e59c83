// The module worker: glue only. Every request goes to the Rust handler (src/lib.rs); the
// Durable Object class that keeps each instance's webhooks is in src/events.js.
import wasmModule from "../build/waapi_edge_bg.wasm";
import { initSync, handle } from "../build/waapi_edge.js";

initSync({ module: wasmModule });

export { InstanceEvents } from "./events.js";

export default {
  fetch(request, env) {
    return handle(request, env);
  },
};
