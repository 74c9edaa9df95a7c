import { isDatabaseUnreachable } from "@tradedesk/api";
import type { TradingDesk } from "@tradedesk/core";

type UserView = NonNullable<Awaited<ReturnType<TradingDesk["users"]["get"]>>>;

/**
 * The desk as the request context sees it: `users.get` (every signed-in request) answers from the
 * last user row this process read when the database cannot be reached, so that reads can still
 * be served from the cache (marked stale) and mutations get a clear 503 from their procedure
 * instead of failing while the request is being set up. Only rows read before the outage; the
 * token is still verified. Bounded (oldest forgotten first).
 */
export function withLastKnownUsers<T extends TradingDesk>(desk: T, maxUsers = 10_000): T {
  const known = new Map<string, UserView>();
  const get = async (userId: string) => {
    try {
      const user = await desk.users.get(userId);
      known.delete(userId);
      if (user) {
        known.set(userId, user);
        if (known.size > maxUsers) known.delete(known.keys().next().value as string);
      }
      return user;
    } catch (error) {
      const last = known.get(userId);
      if (last && isDatabaseUnreachable(error)) return last;
      throw error;
    }
  };
  return new Proxy(desk, {
    get(target, property, receiver) {
      if (property === "users") return { ...target.users, get };
      return Reflect.get(target, property, receiver);
    },
  });
}
