import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

export function useCancelOrders() {
  const refresh = useRefreshDashboard();
  return trpc.orders.cancel.useMutation({ onSettled: refresh });
}
