import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

export function useModifySlTp() {
  const refresh = useRefreshDashboard();
  return trpc.positions.modifySlTp.useMutation({ onSettled: refresh });
}
