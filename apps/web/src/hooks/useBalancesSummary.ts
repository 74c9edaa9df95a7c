import { trpc } from "../trpc.ts";

/**
 * Fresh for 5 s, polled every 5 s: only a fallback, since the events stream refreshes sooner
 * (an order, a fill, a price). The dashboard benchmark (packages/core/bench/dashboard.ts) weighs
 * the exchange calls at this rate: 3 tabs per user, each reading every 5 s.
 */
export const BALANCES_STALE_MS = 5_000;
export const BALANCES_REFETCH_MS = 5_000;

export function useBalancesSummary() {
  return trpc.dashboard.balances.useQuery(undefined, {
    staleTime: BALANCES_STALE_MS,
    refetchInterval: BALANCES_REFETCH_MS,
  });
}
