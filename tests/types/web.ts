// The `waapi-wasm/web` entry for pages without a bundler: init first, then the same API.
import init, { WaapiClient, type Instance } from "waapi-wasm/web";

export async function page(token: string): Promise<Instance[]> {
  await init();
  return new WaapiClient(token).listInstances();
}
