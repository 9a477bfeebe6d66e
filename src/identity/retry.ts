// One retry policy for every Azure call: jittered exponential backoff on 429 (honouring
// Retry-After), 5xx and connection faults; never on other 4xx (the SDK's defaults).
export const RETRY_OPTIONS = { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 };

/**
 * NMI often has no token yet in a pod's first seconds (its identity is still being
 * assigned), so it gets the same policy with more patience: about 40 s of retries, as
 * the Go driver's 5 tries 7 s apart. The mount's deadline still bounds it.
 */
export const NMI_RETRY_OPTIONS = { ...RETRY_OPTIONS, maxRetries: 8, retryDelayInMs: 800 };
