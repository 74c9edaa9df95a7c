import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

export function useCreateOrder() {
  const refresh = useRefreshDashboard();
  // Settled, not only success: a failed order may still have changed something on the exchange.
  return trpc.orders.create.useMutation({ onSettled: refresh });
}
