// Compiled by `tsc --strict` against the built package (make test-types): every line that
// should type-check does, and every `@ts-expect-error` line must fail to.
import {
  WaapiClient,
  isWaapiError,
  type ClientStatus,
  type Instance,
  type InstanceStatus,
  type Me,
  type QrCode,
  type WaapiError,
  type WaapiErrorKind,
  type WebhookEvent,
} from "waapi-wasm";

type IsAny<T> = 0 extends 1 & T ? true : false;
type Not<T extends false> = T;

export async function usage(token: string): Promise<void> {
  const waapi = new WaapiClient(token, { baseUrl: "https://waapi.app/api/v1", timeoutMs: 5000, maxRetries: 1 });
  new WaapiClient(token);
  new WaapiClient(token, { maxResponseBytes: 32 * 1024 * 1024, allowPrivateWebhookHosts: true });

  const instances: Instance[] = await waapi.listInstances();
  await waapi.listInstances("shop");
  for (const i of instances) {
    const id: number = i.id;
    const name: string | null = i.name;
    const owner: string = i.owner;
    const url: string | null = i.webhook_url;
    const events: WebhookEvent[] = i.webhook_events;
    const trial: boolean = i.is_trial;
    void [id, name, owner, url, events, trial];
  }
  const one: Instance = await waapi.getInstance(1);
  const created: Instance = await waapi.createInstance();
  const status: ClientStatus = await waapi.updateInstance(created.id, {
    name: "Shop",
    webhook: { url: null, events: ["message", "a_future_event"] },
  });
  const state: InstanceStatus = status.instanceStatus;
  if (state === "ready") {
    const me: Me = await waapi.me(one.id);
    const pic: string | null = me.profilePicUrl;
    void pic;
  }
  const qr: QrCode = await waapi.qrCode(2);
  const src: `data:image/png;base64,${string}` = qr;
  const nothing: undefined = await waapi.deleteInstance(created.id);
  void [src, nothing, (await waapi.clientStatus(1)).instanceEvents];
  waapi.free();

  try {
    await waapi.getInstance(1);
  } catch (e: unknown) {
    if (isWaapiError(e)) {
      const err: WaapiError = e;
      const kind: WaapiErrorKind = err.kind;
      const status: number | undefined = err.status;
      const retry: number | undefined = err.retryAfter;
      const fields: Record<string, string[]> | undefined = err.errors;
      const base: Error = err;
      void [kind, status, retry, fields, base];
      const tooLarge: WaapiErrorKind = "response_too_large";
      const redirect: WaapiErrorKind = "redirect";
      void [tooLarge, redirect];
      // @ts-expect-error kinds are a closed set
      const wrong: WaapiErrorKind = "oops";
      void wrong;
    }
  }

  // No `any` on the public surface.
  type Methods = { [K in keyof WaapiClient]: WaapiClient[K] };
  type AnyIn<F> = F extends (...args: infer A) => infer R
    ? IsAny<R> extends true ? true : true extends { [I in keyof A]: IsAny<A[I]> }[number] ? true : false
    : IsAny<F>;
  type _noAny = Not<true extends { [K in keyof Methods]: AnyIn<Methods[K]> }[keyof Methods] ? true : false>;
  type _noAnyModels = Not<IsAny<Instance[keyof Instance] | ClientStatus[keyof ClientStatus] | Me[keyof Me] | WaapiError["errors"]>>;

  // @ts-expect-error ids are numbers
  await waapi.getInstance("1");
  // @ts-expect-error unknown options are refused
  new WaapiClient(token, { retries: 3 });
  // @ts-expect-error allowPrivateWebhookHosts is a boolean
  new WaapiClient(token, { allowPrivateWebhookHosts: "yes" });
  // @ts-expect-error the token is required
  new WaapiClient();
  // @ts-expect-error unknown update keys are refused
  await waapi.updateInstance(1, { nmae: "x" });
  // @ts-expect-error events are strings
  await waapi.updateInstance(1, { webhook: { events: [1] } });
  // @ts-expect-error deleteInstance resolves nothing
  const n: number = await waapi.deleteInstance(1);
  // @ts-expect-error name may be null
  const s: string = one.name;
  void [n, s];
}
