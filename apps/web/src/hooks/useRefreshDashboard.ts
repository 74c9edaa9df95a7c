import { trpc } from "../trpc.ts";

/** What a change to the user's data makes stale: the balances summary and the cache figures. */
export function useRefreshDashboard() {
  const utils = trpc.useUtils();
  return () =>
    Promise.all([utils.dashboard.balances.invalidate(), utils.cache.metrics.invalidate()]).then(() => {});
}
