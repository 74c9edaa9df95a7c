import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

export function useCacheMetrics() {
  return trpc.cache.metrics.useQuery(undefined, { staleTime: 5_000, refetchInterval: 5_000 });
}

export function useInvalidateCache() {
  const refresh = useRefreshDashboard();
  return trpc.cache.invalidate.useMutation({ onSettled: refresh });
}
