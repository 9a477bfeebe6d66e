// One retry policy for every Azure call: jittered exponential backoff on 429 (honouring
// Retry-After), 5xx and connection faults; never on other 4xx (the SDK's defaults).
export const RETRY_OPTIONS = { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8_000 };
