import {
  ExchangeBannedError,
  type ExchangeError,
  ExchangeRateLimitedError,
  ExchangeUnavailableError,
} from "../errors.ts";

export type SimulatedFault =
  | { kind: "timeout" }
  | { kind: "rate-limited"; retryAfterMs: number }
  | { kind: "banned"; retryAfterMs: number }
  | { kind: "server-error" }
  | { kind: "server-error-after-accept" };

export type SimulatedOperation =
  | "getAccountSnapshot"
  | "placeOrder"
  | "setLeverage"
  | "cancelOrders"
  | "getOrder"
  | "getOpenOrders"
  | "getTrades"
  | "getExchangeRules"
  | "getMarkPrices";

export interface FaultOptions {
  /** Only calls of this operation fail; any operation when absent. */
  operation?: SimulatedOperation;
  /** How many calls fail, default 1. */
  times?: number;
}

/** Faults queued by tests, consumed by the next matching calls in the order they were injected. */
export interface FaultInjector {
  inject(fault: SimulatedFault, options?: FaultOptions): void;
  take(operation: SimulatedOperation): SimulatedFault | undefined;
  /** Drops every fault not taken yet. */
  clear(): void;
}

export function createFaultInjector(): FaultInjector {
  const queue: { fault: SimulatedFault; operation?: SimulatedOperation; remaining: number }[] = [];
  return {
    inject(fault, options = {}) {
      const times = options.times ?? 1;
      if (!Number.isInteger(times) || times < 1) throw new Error("times: a positive integer");
      queue.push({ fault, operation: options.operation, remaining: times });
    },
    take(operation) {
      const index = queue.findIndex(
        (entry) => entry.operation === undefined || entry.operation === operation,
      );
      const entry = queue[index];
      if (!entry) return undefined;
      entry.remaining -= 1;
      if (entry.remaining === 0) queue.splice(index, 1);
      return entry.fault;
    },
    clear() {
      queue.length = 0;
    },
  };
}

/** The typed error a client of the real exchange would raise for this HTTP outcome. */
export function faultError(fault: SimulatedFault, operation: SimulatedOperation): ExchangeError {
  switch (fault.kind) {
    case "timeout":
      return new ExchangeUnavailableError(`${operation}: the exchange did not answer in time`);
    case "rate-limited":
      return new ExchangeRateLimitedError(`${operation}: 429 too many requests`, fault.retryAfterMs);
    case "banned":
      return new ExchangeBannedError(`${operation}: 418 this IP is banned`, fault.retryAfterMs);
    case "server-error":
    case "server-error-after-accept":
      return new ExchangeUnavailableError(`${operation}: 503 service unavailable`);
  }
}
