import { ExchangeBannedError, ExchangeRateLimitedError } from "../errors.ts";

/**
 * Binance counts request weight per IP, per clock minute, shared by every API key on that IP.
 * One budget per process (the gateway shares it across all accounts) so that no user can spend
 * another's headroom and we stop ourselves before Binance has to (429, then a 418 IP ban).
 */
/**
 * Who a request serves, most important last: when the minute's budget runs low, background work
 * (reconciliation, rule refreshes) stops first, then reads (which are served from the last state
 * with its age), and traders' orders keep the rest.
 */
export type WeightPriority = "background" | "read" | "trade";

/** The share of the minute's budget each priority may fill. */
export const PRIORITY_SHARE: Readonly<Record<WeightPriority, number>> = {
  background: 0.6,
  read: 0.85,
  trade: 1,
};

export interface WeightBudget {
  /**
   * Reserves weight for a request about to go out, or throws without sending anything. Returns a
   * promise (to await) only when the budget is shared through a store (several processes).
   */
  acquire(weight: number, priority?: WeightPriority): void | Promise<void>;
  /** Feeds back what Binance said: the used-weight header, 429 and 418 with Retry-After. */
  observe(response: {
    status: number;
    usedWeight1m: number | null;
    retryAfterSeconds: number | null;
    /** When the request went out: a header counts only for the minute it was sent in. */
    sentAt?: number;
  }): void;
  state(): WeightState;
}

export interface WeightState {
  usedWeight1m: number;
  bannedUntil: number | null;
  backoffUntil: number | null;
}

const MINUTE_MS = 60_000;
// Binance does not always send Retry-After; these are its documented minimums.
const DEFAULT_BACKOFF_MS = 60_000;
const DEFAULT_BAN_MS = 2 * 60_000;

/**
 * The cluster's count, shared by every process spending one IP's budget (apps/server: Redis).
 * `reserve` adds `weight` to the minute's count when the result stays within `allowed` and says
 * whether it did; it rejects when the store cannot be reached.
 */
export interface SharedWeightCounter {
  reserve(minute: number, weight: number, allowed: number): Promise<{ reserved: boolean; used: number }>;
}

export interface WeightBudgetOptions {
  limitPerMinute: number;
  now: () => number;
  /** Several processes on one IP: reservations go through this counter. */
  shared?: SharedWeightCounter;
  /**
   * The share of the budget this process may spend on its own while `shared` cannot be reached
   * (1 / the number of processes), counting what it already spent in that minute. Default 1.
   */
  fallbackShare?: number;
  /** Told when the shared counter is lost (false) and back (true); once per change. */
  onSharedStateChange?: (reachable: boolean) => void;
}

export function createWeightBudget(options: WeightBudgetOptions): WeightBudget {
  const { limitPerMinute, now, shared } = options;
  const fallbackShare = Math.min(1, Math.max(0, options.fallbackShare ?? 1));
  let sharedReachable = true;
  let minute = Math.floor(now() / MINUTE_MS);
  let used = 0;
  /** What this process spent this minute (through the shared counter or on its own). */
  let own = 0;
  let backoffUntil = 0;
  let bannedUntil = 0;

  function roll(at: number): void {
    const current = Math.floor(at / MINUTE_MS);
    if (current !== minute) {
      minute = current;
      used = 0;
      own = 0;
    }
  }

  function refuse(priority: WeightPriority, allowed: number, at: number): never {
    throw new ExchangeRateLimitedError(
      priority === "trade"
        ? `request weight budget of ${limitPerMinute}/min is spent`
        : `request weight budget kept for trading: ${priority} requests may use ${allowed} of ${limitPerMinute}/min`,
      (minute + 1) * MINUTE_MS - at,
    );
  }

  function sharedState(reachable: boolean): void {
    if (reachable === sharedReachable) return;
    sharedReachable = reachable;
    options.onSharedStateChange?.(reachable);
  }

  async function acquireShared(
    counter: SharedWeightCounter,
    weight: number,
    priority: WeightPriority,
    at: number,
  ): Promise<void> {
    const allowed = Math.floor(limitPerMinute * PRIORITY_SHARE[priority]);
    const forMinute = minute;
    let answer: { reserved: boolean; used: number } | undefined;
    try {
      answer = await counter.reserve(forMinute, weight, allowed);
      sharedState(true);
    } catch {
      sharedState(false);
    }
    roll(now());
    if (answer) {
      if (!answer.reserved) refuse(priority, allowed, at);
      if (minute === forMinute) {
        own += weight;
        used = Math.max(used, answer.used);
      }
      return;
    }
    // The shared count is out of reach: this process alone may fill its share of the budget,
    // never more than the whole, counting what it already spent this minute.
    const ownAllowed = Math.floor(allowed * fallbackShare);
    if (own + weight > ownAllowed) refuse(priority, ownAllowed, at);
    own += weight;
    used += weight;
  }

  return {
    acquire(weight, priority = "trade") {
      const at = now();
      if (bannedUntil > at) {
        throw new ExchangeBannedError(
          `Binance has banned this IP until ${new Date(bannedUntil).toISOString()}`,
          bannedUntil - at,
        );
      }
      if (backoffUntil > at) {
        throw new ExchangeRateLimitedError("Binance rate limit hit; backing off", backoffUntil - at);
      }
      roll(at);
      if (shared) return acquireShared(shared, weight, priority, at);
      const allowed = Math.floor(limitPerMinute * PRIORITY_SHARE[priority]);
      if (used + weight > allowed) refuse(priority, allowed, at);
      used += weight;
      own += weight;
    },

    observe({ status, usedWeight1m, retryAfterSeconds, sentAt }) {
      const at = now();
      roll(at);
      // The header is the IP's true count (other processes on the IP included); our own count
      // also holds requests still in flight, so keep the larger of the two. An answer to a
      // request sent in the previous minute reports that minute's count: not this one's.
      const sameMinute = sentAt === undefined || Math.floor(sentAt / MINUTE_MS) === minute;
      if (usedWeight1m !== null && sameMinute) used = Math.max(used, usedWeight1m);
      const retryAfterMs = retryAfterSeconds === null ? null : retryAfterSeconds * 1000;
      if (status === 418) bannedUntil = Math.max(bannedUntil, at + (retryAfterMs ?? DEFAULT_BAN_MS));
      if (status === 429) backoffUntil = Math.max(backoffUntil, at + (retryAfterMs ?? DEFAULT_BACKOFF_MS));
    },

    state() {
      const at = now();
      roll(at);
      return {
        usedWeight1m: used,
        bannedUntil: bannedUntil > at ? bannedUntil : null,
        backoffUntil: backoffUntil > at ? backoffUntil : null,
      };
    },
  };
}
