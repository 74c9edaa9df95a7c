import { withTick } from "../live-prices.ts";
import { recordMarks } from "../mark-history.ts";
import { trpc } from "../trpc.ts";
import { useRefreshDashboard } from "./useRefreshDashboard.ts";

/**
 * One event stream per signed-in tab: "your data changed" refetches at once (another tab's
 * order shows up without waiting for the 5 s poll), mark prices update the positions in place.
 */
export function useDashboardEvents() {
  const utils = trpc.useUtils();
  const refresh = useRefreshDashboard();
  return trpc.dashboard.events.useSubscription(undefined, {
    onData: ({ data: event }) => {
      if (event.type === "balances-changed") {
        void refresh();
      } else {
        recordMarks(event.prices, event.at);
        utils.dashboard.balances.setData(undefined, (current) =>
          current ? withTick(current, event.prices, event.at) : current,
        );
      }
    },
  });
}
