// Node (20 and 26 alike) loads undici (its fetch, with http2, worker_threads and web
// streams: about 15 ms of a mount's CPU on Node 20) the first time anything reads the
// global FormData. The SDK's
// formDataPolicy reads it for every request only to ask whether the body is FormData;
// the driver never sends one. Shadowing the global keeps all of that unloaded.
export function keepUndiciUnloaded(): void {
  Object.defineProperty(globalThis, "FormData", { value: undefined, configurable: true, writable: true });
}
