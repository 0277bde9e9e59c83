// `waapi-wasm/web` for require(): CommonJS has no import.meta.url to find a .wasm by, so this is
// index.cjs (the wasm inside, compiled at load: one copy with `require("waapi-wasm")`), and
// init() and initSync() have nothing left to do.
"use strict";
Object.defineProperty(exports, "__esModule", { value: true });
Object.assign(exports, require("./index.cjs"));
exports.default = async () => undefined;
exports.initSync = () => undefined;
