import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

export function useClosePosition() {
  const refresh = useRefreshDashboard();
  return trpc.positions.close.useMutation({ onSettled: refresh });
}
