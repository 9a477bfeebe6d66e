// What every stand-in request goes through: it is recorded and counted, and the
// faults a test injected (latency, throttling, server errors, resets, hangs) are
// applied to it before the service itself sees it.
import { setMaxListeners } from "node:events";
import { IncomingMessage, ServerResponse } from "node:http";
import { setTimeout as sleep } from "node:timers/promises";
import { resetConnection, sendJson } from "./http";
import { aadErrorBody } from "./aad";
import { ObjectType, kvError } from "./kvShapes";

export type ServiceKind = "keyvault" | "aad" | "imds" | "nmi" | "kubernetes";

/** What a request is aimed at; faults are matched against it. */
export interface Target {
  service: ServiceKind;
  vault?: string;
  objectType?: ObjectType;
  name?: string;
}

export interface RequestRecord {
  /** "proxy": a CONNECT (or a plain request) the proxy saw. */
  service: ServiceKind | "proxy";
  method: string;
  host: string;
  /** Path and query. */
  path: string;
  /** Arrival, ms since the epoch. */
  time: number;
  /** Set once answered; a reset or hung request has none. */
  status?: number;
  /** The injected fault that decided the answer, if any. */
  fault?: "throttle" | "server error" | "reset" | "hang";
  target?: Target;
}

/** A TLS session the proxy set up for a tunnel to an Azure host. */
export interface TlsSessionRecord {
  host: string;
  /** The client resumed an earlier session (no certificate exchange). */
  resumed: boolean;
}

export interface Fault {
  /** Every matching request waits this long before anything else happens. */
  latencyMs?: number;
  /** The next N matching requests are answered 429 ... */
  throttle?: number;
  /** ... with this Retry-After, in seconds (default 0). */
  retryAfterSeconds?: number;
  /** The next N matching requests are answered with `serverErrorStatus` (default 500). */
  serverErrors?: number;
  serverErrorStatus?: 500 | 503;
  /** The next N matching requests have their connection reset. */
  resets?: number;
  /** Matching requests are never answered (until the stand-in closes). */
  hang?: boolean;
}

/** Which requests a fault applies to; an absent field matches anything. */
export type FaultScope = Partial<Target>;

export interface ServiceStats {
  requests: number;
  inFlight: number;
  peakInFlight: number;
}

interface ActiveFault extends Fault {
  scope: FaultScope;
}

export class Traffic {
  readonly requests: RequestRecord[] = [];
  readonly tlsSessions: TlsSessionRecord[] = [];
  private readonly faults: ActiveFault[] = [];
  private readonly counters = new Map<ServiceKind, ServiceStats>();
  private readonly closing = new AbortController();

  constructor() {
    // Every delayed or hanging request waits on `closing`: many at once is expected, not a leak.
    setMaxListeners(0, this.closing.signal);
  }

  /**
   * Faults hit every matching request before the service sees it, the SDK's first
   * (unauthenticated, challenge-seeking) Key Vault request included. Counted faults
   * of several matching rules are used up in the order the rules were injected.
   */
  injectFault(fault: Fault, scope: FaultScope = {}): void {
    this.faults.push({ ...fault, scope });
  }

  clearFaults(): void {
    this.faults.length = 0;
  }

  stats(service: ServiceKind): ServiceStats {
    let s = this.counters.get(service);
    if (!s) this.counters.set(service, (s = { requests: 0, inFlight: 0, peakInFlight: 0 }));
    return s;
  }

  /** Starts counting afresh and forgets recorded requests; in-flight ones stay counted. */
  resetStats(): void {
    this.requests.length = 0;
    this.tlsSessions.length = 0;
    for (const s of this.counters.values()) {
      s.requests = 0;
      s.peakInFlight = s.inFlight;
    }
  }

  recordProxy(method: string, host: string, status: number): void {
    this.requests.push({ service: "proxy", method, host, path: "", time: Date.now(), status });
  }

  recordTlsSession(host: string, resumed: boolean): void {
    this.tlsSessions.push({ host, resumed });
  }

  /** Records the request, applies faults, then lets `handle` answer it. */
  async serve(
    target: Target,
    req: IncomingMessage,
    res: ServerResponse,
    handle: () => Promise<void> | void,
  ): Promise<void> {
    const record: RequestRecord = {
      service: target.service,
      method: req.method ?? "",
      host: (req.headers.host ?? "").replace(/:\d+$/, ""),
      path: req.url ?? "",
      time: Date.now(),
      target,
    };
    this.requests.push(record);
    const stats = this.stats(target.service);
    stats.requests++;
    stats.peakInFlight = Math.max(stats.peakInFlight, ++stats.inFlight);
    // In flight until the answer is complete (res.end) or the connection dies. Not
    // "finish": the client can have the whole answer before that event runs here,
    // and a test that reads stats right after its last response would count it.
    let done = false;
    const settle = () => {
      if (!done) stats.inFlight--;
      done = true;
    };
    const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
    res.end = ((...args: unknown[]) => {
      record.status = res.statusCode;
      settle();
      return end(...args);
    }) as ServerResponse["end"];
    res.once("close", settle);

    const matching = this.faults.filter((f) => matches(f.scope, target));
    const latency = matching.reduce((sum, f) => sum + (f.latencyMs ?? 0), 0);
    if (latency > 0) {
      try {
        await sleep(latency, undefined, { signal: this.closing.signal });
      } catch {
        return resetConnection(req.socket);
      }
    }

    if (matching.some((f) => f.hang)) {
      record.fault = "hang";
      return;
    }
    const resetting = matching.find((f) => take(f, "resets"));
    if (resetting) {
      record.fault = "reset";
      return resetConnection(req.socket);
    }
    // Fault answers in the service's own error JSON: Azure AD's OAuth shape, Key Vault's
    // for the rest (IMDS and NMI callers look at the status only).
    const throttling = matching.find((f) => take(f, "throttle"));
    if (throttling) {
      record.fault = "throttle";
      return sendJson(res, 429, faultBody(target.service, record.host, 429), {
        "retry-after": String(throttling.retryAfterSeconds ?? 0),
      });
    }
    const failing = matching.find((f) => take(f, "serverErrors"));
    if (failing) {
      record.fault = "server error";
      const status = failing.serverErrorStatus ?? 500;
      return sendJson(res, status, faultBody(target.service, record.host, status));
    }
    await handle();
  }

  /** Ends pending latency waits; the caller destroys the sockets (hung requests included). */
  close(): void {
    this.closing.abort();
  }
}

function matches(scope: FaultScope, target: Target): boolean {
  const same = (a: string | undefined, b: string | undefined) =>
    a === undefined || a.toLowerCase() === (b ?? "").toLowerCase();
  return (
    same(scope.service, target.service) &&
    same(scope.vault, target.vault) &&
    same(scope.objectType, target.objectType) &&
    same(scope.name, target.name)
  );
}

/** Uses up one of a fault's counted failures, if any remain. */
function faultBody(service: ServiceKind, host: string, status: 429 | 500 | 503): object {
  if (service === "aad") {
    if (status === 429)
      return aadErrorBody(
        host,
        "temporarily_unavailable",
        90055,
        "TenantThrottlingThreshold: There are a significant number of requests from this tenant. Please try " +
          "again later.",
      );
    return aadErrorBody(
      host,
      status === 503 ? "temporarily_unavailable" : "server_error",
      90033,
      "A transient error has occurred. Please try again.",
    );
  }
  if (status === 429)
    return kvError(
      "Throttled",
      "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
    );
  return status === 503
    ? kvError("ServiceUnavailable", "The service is temporarily unavailable. Please retry.")
    : kvError("InternalServerError", "An unexpected error occurred.");
}

function take(fault: Fault, counter: "resets" | "throttle" | "serverErrors"): boolean {
  const left = fault[counter] ?? 0;
  if (left <= 0) return false;
  fault[counter] = left - 1;
  return true;
}
