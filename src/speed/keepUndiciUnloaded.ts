// Node loads undici (its fetch, with http2, worker_threads, zlib and web streams: about
// 30 ms of CPU on Node 20 and 26) the first time anything touches the global FormData.
// The SDK's formDataPolicy reads it on every request, only to ask whether the body is
// FormData; the driver never sends one. Deleting the global keeps all of that unloaded:
// on Node 26 redefining it, or even reading its property descriptor, loads undici first.
export function keepUndiciUnloaded(): void {
  delete (globalThis as { FormData?: unknown }).FormData;
}
