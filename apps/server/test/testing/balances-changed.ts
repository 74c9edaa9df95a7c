import type { AppRouter } from "@tradedesk/api";
import type { createTestClient } from "./trpc-client.ts";

/**
 * A dashboard tab's "your data changed" stream: `hear(match)` waits until a balances-changed
 * event whose reason matches has arrived (or had arrived since the last wait), then clears what
 * was heard. No sleeps: each event wakes the waiter.
 */
export function listenForBalancesChanged(trader: ReturnType<typeof createTestClient<AppRouter>>) {
  const reasons: string[] = [];
  let heard = () => {};
  const subscription = trader.dashboard.events.subscribe(undefined, {
    onData: ({ data }) => {
      if (data.type !== "balances-changed") return;
      reasons.push(data.reason);
      heard();
    },
  });
  return {
    async hear(match: string | ((reason: string) => boolean)) {
      const matches = typeof match === "string" ? (reason: string) => reason === match : match;
      while (!reasons.some(matches)) {
        await new Promise<void>((resolve) => {
          heard = resolve;
        });
      }
      reasons.length = 0;
    },
    unsubscribe: () => subscription.unsubscribe(),
  };
}
