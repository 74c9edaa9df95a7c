import type { DeskEvent } from "@tradedesk/core";
import { tracked } from "@trpc/server";
import { cacheFiguresOf } from "../cache-figures.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const dashboardRouter = router({
  balances: protectedProcedure.query(async ({ ctx }) => {
    const result = await ctx.desk.balances.read(ctx.user.id);
    cacheFiguresOf(ctx.desk).read(ctx.user.id, result);
    return result;
  }),

  /**
   * "Your data changed" (refetch balances) and live mark prices for the caller's open
   * positions. Ends, and drops its listeners, when the client goes away.
   */
  events: protectedProcedure.subscription(async function* ({ ctx, signal }) {
    const userId = ctx.user.id;
    const queue: DeskEvent[] = [];
    let wake: (() => void) | null = null;
    // Events not yet sent are coalesced: one order brings several invalidations (the mutation,
    // then the exchange's order, position and balance events), and a client that has not yet
    // been told "changed" refetches once for all of them. Prices keep only the latest per symbol.
    const push = (event: DeskEvent) => {
      const pending = queue.find((queued) => queued.type === event.type);
      if (pending?.type === "balances-changed") return;
      if (pending?.type === "mark-prices" && event.type === "mark-prices") {
        pending.prices = { ...pending.prices, ...event.prices };
        pending.at = event.at;
        return;
      }
      queue.push(event);
      wake?.();
    };
    const stopChanges = ctx.desk.onUserDataChanged((changedUserId, reason) => {
      if (changedUserId === null || changedUserId === userId) push({ type: "balances-changed", reason });
    });
    let stopPrices: (() => void) | null = null;
    const aborted = new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener("abort", () => resolve(), { once: true });
    });
    try {
      stopPrices = await ctx.desk.watchMarkPrices(userId, (prices, at) =>
        push({ type: "mark-prices", prices, at: at.toISOString() }),
      );
      // Anything may have changed between the client's last fetch and now: say so first.
      push({ type: "balances-changed", reason: "subscribed" });
      let sequence = 0;
      while (!signal?.aborted) {
        const event = queue.shift();
        if (event) {
          sequence += 1;
          yield tracked(String(sequence), event);
          continue;
        }
        await Promise.race([new Promise<void>((resolve) => (wake = resolve)), aborted]);
        wake = null;
      }
    } finally {
      stopChanges();
      stopPrices?.();
    }
  }),
});
