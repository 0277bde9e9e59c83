// The module worker: glue only. Every request goes to the Rust handler (src/lib.rs).
import wasmModule from "../build/waapi_edge_bg.wasm";
import { initSync, handle } from "../build/waapi_edge.js";

initSync({ module: wasmModule });

export default {
  fetch(request, env) {
    return handle(request, env);
  },
};
