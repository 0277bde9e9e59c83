// The main entry's types with no DOM lib and no @types (lib: es2022, types: []): everything
// the package declares is structural, so a server-side project needs neither. The signal and
// fetch here are the user's own minimal ones.
import { WaapiClient, WaapiError, type AbortSignalLike, type FetchLike, type WebhookPayload, parseWebhookEvent } from "waapi-wasm";

declare const signal: AbortSignalLike;
declare const myFetch: FetchLike;

export async function server(token: string, body: string): Promise<number> {
  const waapi = new WaapiClient(token, { fetch: myFetch, onRequest: (e) => void e.url });
  const event: WebhookPayload = parseWebhookEvent(body);
  void event;
  try {
    return (await waapi.listInstances(undefined, { signal, timeoutMs: 1000 })).length;
  } catch (e) {
    if (e instanceof WaapiError && e.kind === "validation") return Object.keys(e.errors).length;
    throw e;
  } finally {
    waapi[Symbol.dispose]();
  }
}

// skipLibCheck is on here (as `tsc --init` sets it): a DOM name in the declarations would then
// silently become `any` rather than fail, so check that nothing public did.
import type { CallOptions, FetchInit, ResponseLike, RuntimeAbortSignal, WaapiClientOptions } from "waapi-wasm";
type IsAny<T> = 0 extends 1 & T ? true : false;
type Equal<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
type Assert<T extends true> = T;
type NoAny<T> = { [K in keyof T]-?: IsAny<T[K]> }[keyof T] extends false ? true : false;
type NoAnyArgs<A extends unknown[]> = true extends { [I in keyof A]: IsAny<A[I]> }[number] ? false : true;
export type Checks = [
  Assert<NoAny<WaapiClientOptions>>,
  Assert<NoAny<CallOptions>>,
  Assert<NoAny<FetchInit>>,
  Assert<NoAny<ResponseLike>>,
  Assert<NoAnyArgs<Parameters<FetchLike>>>,
  // Without a DOM lib the signal a custom fetch gets is the structural one.
  Assert<Equal<RuntimeAbortSignal, AbortSignalLike>>,
  Assert<NoAnyArgs<Parameters<WaapiClient["listInstances"]>>>,
  Assert<NoAnyArgs<Parameters<WaapiClient["sendMessage"]>>>,
];

// An unresolved name would accept anything; these must stay errors.
export function refused(token: string): void {
  // @ts-expect-error a number is no signal
  const call: CallOptions = { signal: 5 };
  // @ts-expect-error fetch is a function of (url, init)
  new WaapiClient(token, { fetch: (url: number) => url });
  // @ts-expect-error fetch must resolve to a response
  new WaapiClient(token, { fetch: async () => 5 });
  // @ts-expect-error a response needs a status
  const response: ResponseLike = { headers: { get: () => null }, body: null };
  void [call, response];
}
