// The module worker: glue only. Every request goes to the Rust handler (src/lib.rs); the
// Durable Object class that keeps each instance's webhooks is in src/events.js.
import wasmModule from "../build/waapi_edge_bg.wasm";
import { initSync, handle, list_start, list_end } from "../build/waapi_edge.js";

initSync({ module: wasmModule });

export { InstanceEvents } from "./events.js";

export default {
  fetch(request, env) {
    // The instance list, the busiest call, on a lane without the async handler's promise hops
    // (list_start in src/lib.rs says which requests take it); every other request: handle.
    const lane = list_start(request, env);
    if (lane === undefined) return handle(request, env);
    if (!Array.isArray(lane)) return lane;
    const [attempt, key, generation] = lane;
    return attempt.then(
      (answer) => list_end(env, key, generation, false, answer),
      (error) => list_end(env, key, generation, true, error),
    );
  },
};
