// Compiled by `tsc --strict` against the built package (make test-types): per-call options,
// hooks, a custom fetch, the WaapiError class and its union narrowed by `kind`, `using`.
// Every line that should type-check does, and every `@ts-expect-error` line must fail to.
import {
  VERSION,
  WaapiClient,
  WaapiError,
  isWaapiError,
  type CallOptions,
  type FetchLike,
  type RetryEvent,
  type WaapiErrorKind,
} from "waapi-wasm";

type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;

export async function conventions(token: string): Promise<void> {
  const version: string = VERSION;
  const controller = new AbortController();
  const waapi = new WaapiClient(token, {
    fetch: globalThis.fetch,
    onRequest: ({ method, url, attempt }) => void [method, url, attempt, version],
    onResponse: ({ status, ms, attempt }) => void [status, ms, attempt],
    onRetry: (e: RetryEvent) => void [e.attempt, e.delayMs, e.reason, e.status],
  });
  // A fetch of the user's own: a wrapper of the global one fits.
  const recording: FetchLike = (url, init) => {
    const method: string = init.method;
    const headers: Record<string, string> = init.headers;
    void [method, headers];
    return fetch(url, init);
  };
  new WaapiClient(token, { fetch: recording });
  new WaapiClient(token, { fetch: (url: string, init) => globalThis.fetch(url, init) });

  // `{ signal, timeoutMs }` last on every method, actions included.
  const call: CallOptions = { signal: controller.signal, timeoutMs: 5000 };
  await waapi.listInstances(undefined, call);
  await waapi.listInstances("shop", { signal: AbortSignal.timeout(1000) });
  await waapi.getInstance(1, call);
  await waapi.createInstance(call);
  await waapi.updateInstance(1, { name: "x" }, call);
  await waapi.deleteInstance(1, call);
  await waapi.clientStatus(1, { timeoutMs: 100 });
  await waapi.qrCode(1, call);
  await waapi.me(1, call);
  await waapi.action(1, "get-chats", {}, call);
  await waapi.sendMessage(1, { chatId: "1@c.us", message: "Hi" }, call);
  await waapi.getChats(1, undefined, call);
  await waapi.logout(1, {}, { signal: null });

  try {
    await waapi.createInstance();
  } catch (e: unknown) {
    if (e instanceof WaapiError) {
      type _class = Assert<Equal<typeof e, WaapiError>>;
      const kind: WaapiErrorKind = e.kind;
      const message: string = e.message;
      const base: Error = e;
      void [kind, message, base];
      switch (e.kind) {
        case "forbidden": {
          const permission: "create" | "read" | "update" | "delete" = e.permission;
          const status: 403 = e.status;
          void [permission, status];
          break;
        }
        case "validation": {
          const errors: Record<string, string[]> = e.errors;
          void errors;
          break;
        }
        case "rate_limited": {
          const after: number | undefined = e.retryAfter;
          // @ts-expect-error retryAfter is only there when the server sent it
          const sure: number = e.retryAfter;
          void [after, sure];
          break;
        }
        case "network":
        case "aborted": {
          const cause: unknown = e.cause;
          void cause;
          break;
        }
        case "timeout": {
          // @ts-expect-error a timeout has no status
          const status: number = e.status;
          void status;
          break;
        }
        case "invalid_input":
        case "unauthorized":
        case "not_found":
        case "not_ready":
        case "api":
        case "server":
        case "decode":
        case "response_too_large":
        case "redirect":
          break;
        default: {
          // Every kind is handled above.
          const none: never = e;
          void none;
        }
      }
      // Without narrowing, the fields of one kind read as possibly undefined.
      const permission: string | undefined = e.permission;
      void permission;
      // @ts-expect-error permission is only sure on forbidden
      const sure: string = e.permission;
      void sure;
    }
    if (isWaapiError(e)) {
      const aborted: WaapiErrorKind = "aborted";
      void aborted;
    }
  }

  {
    using scoped = new WaapiClient(token);
    await scoped.listInstances();
  }
  waapi[Symbol.dispose]();

  // @ts-expect-error options are the last argument, after the filter
  await waapi.listInstances({ signal: controller.signal });
  // @ts-expect-error unknown call options are refused
  await waapi.getInstance(1, { retries: 2 });
  // @ts-expect-error timeoutMs is a number
  await waapi.getInstance(1, { timeoutMs: "5s" });
  // @ts-expect-error hooks are functions
  new WaapiClient(token, { onRetry: true });
  // @ts-expect-error fetch is a function
  new WaapiClient(token, { fetch: "https://proxy.example" });
  // @ts-expect-error WaapiError is not constructed by users
  new WaapiError("x");
  // @ts-expect-error kinds are a closed set
  const wrong: WaapiErrorKind = "closed";
  void wrong;
}
