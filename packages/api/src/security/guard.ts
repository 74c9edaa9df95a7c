import { createHash } from "node:crypto";
import pLimit from "p-limit";
import {
  type RateLimiterAbstract,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
} from "rate-limiter-flexible";

/**
 * Abuse limits of the API: sign-in attempts per account and per client address, password hashing
 * bounded, forced cache reloads per user. Counters live in Redis when the server has one (all
 * instances share them), else in this process.
 */

export interface LimitSettings {
  /** Sign-in attempts per account (email) in `loginWindowS`; a successful sign-in resets it. */
  loginPerAccount: number;
  /** Sign-in attempts per client address in `loginWindowS`. */
  loginPerAddress: number;
  loginWindowS: number;
  /**
   * Password verifications running at once. scrypt runs on libuv's thread pool (4 threads), as do
   * the token checks (WebCrypto HMAC): kept below its size, a sign-in flood cannot starve them.
   */
  hashConcurrency: number;
  /** Sign-ins waiting for a hashing slot; beyond it they are refused (429) instead of queued. */
  hashQueue: number;
  /** cache.invalidate calls per user in `reloadWindowS`: each forces an exchange load. */
  reloadsPerUser: number;
  reloadWindowS: number;
}

export const DEFAULT_LIMITS: LimitSettings = {
  loginPerAccount: 10,
  loginPerAddress: 30,
  loginWindowS: 15 * 60,
  hashConcurrency: 1,
  hashQueue: 16,
  reloadsPerUser: 10,
  reloadWindowS: 60,
};

/** Refused for now; `retryAfterMs` becomes the Retry-After header and `data.retryAfterMs`. */
export class ThrottledError extends Error {
  override readonly name = "ThrottledError";
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

export interface ApiGuard {
  /** Counts a sign-in attempt; throws ThrottledError, before any hashing, when a limit is spent. */
  beginLogin(email: string, clientAddress: string | null): Promise<void>;
  /** The account's attempts start again from zero. */
  loginSucceeded(email: string): Promise<void>;
  /** Runs a password verification within the hashing bound, or throws ThrottledError. */
  hashing<T>(verify: () => Promise<T>): Promise<T>;
  /** Counts a forced reload of the user's cached data; throws ThrottledError past the limit. */
  forcedReload(userId: string): Promise<void>;
}

export interface GuardOptions {
  limits?: Partial<LimitSettings>;
  /** An ioredis client: counters shared by every instance. Absent: in this process. */
  redis?: unknown;
  /** Key prefix in Redis (tests isolate themselves with it). */
  keyPrefix?: string;
}

export function createApiGuard(options: GuardOptions = {}): ApiGuard {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const prefix = options.keyPrefix ?? "tradedesk";
  const limiter = (name: string, points: number, duration: number): RateLimiterAbstract => {
    const settings = { keyPrefix: `${prefix}:${name}`, points, duration };
    if (!options.redis) return new RateLimiterMemory(settings);
    // If Redis is unreachable the limits still hold, per instance, rather than failing open or
    // refusing every sign-in.
    return new RateLimiterRedis({
      ...settings,
      storeClient: options.redis,
      insuranceLimiter: new RateLimiterMemory(settings),
    });
  };
  const byAccount = limiter("login-account", limits.loginPerAccount, limits.loginWindowS);
  const byAddress = limiter("login-address", limits.loginPerAddress, limits.loginWindowS);
  const reloads = limiter("reload-user", limits.reloadsPerUser, limits.reloadWindowS);
  const hashSlots = pLimit(limits.hashConcurrency);

  return {
    async beginLogin(email, clientAddress) {
      // Per address first: a flood from one address then spends nothing of its victims' budgets.
      if (clientAddress !== null) {
        await take(byAddress, clientAddress, "too many sign-in attempts from this address");
      }
      await take(byAccount, accountKey(email), "too many sign-in attempts for this account");
    },
    async loginSucceeded(email) {
      await byAccount.delete(accountKey(email));
    },
    hashing(verify) {
      if (hashSlots.pendingCount >= limits.hashQueue) {
        return Promise.reject(new ThrottledError("sign-in is busy; try again in a moment", 1_000));
      }
      return hashSlots(verify);
    },
    async forcedReload(userId) {
      await take(reloads, userId, "too many cache reloads; the cache refreshes itself every few seconds");
    },
  };
}

/** No limits at all: in-process callers (scripts, tests) that are not exposed to anyone. */
export const UNLIMITED_GUARD: ApiGuard = {
  beginLogin: async () => {},
  loginSucceeded: async () => {},
  hashing: (verify) => verify(),
  forcedReload: async () => {},
};

async function take(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (rejection) {
    if (rejection instanceof RateLimiterRes) {
      throw new ThrottledError(message, Math.max(1, rejection.msBeforeNext));
    }
    throw rejection;
  }
}

/** Emails are matched case-insensitively at sign-in, so their counters are too; hashed, so no
 * address is stored in Redis in the clear. */
function accountKey(email: string): string {
  return createHash("sha256").update(email.trim().toLowerCase()).digest("base64url");
}
