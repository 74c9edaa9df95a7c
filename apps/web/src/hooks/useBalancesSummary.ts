import { trpc } from "../trpc.ts";

/** As in the original system: fresh for 5 s, polled every 5 s; the events stream refreshes sooner. */
export const BALANCES_STALE_MS = 5_000;
export const BALANCES_REFETCH_MS = 5_000;

export function useBalancesSummary() {
  return trpc.dashboard.balances.useQuery(undefined, {
    staleTime: BALANCES_STALE_MS,
    refetchInterval: BALANCES_REFETCH_MS,
  });
}
