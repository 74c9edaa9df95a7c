import type { CacheMetrics } from "@tradedesk/core";
import { cacheFiguresOf, type UserCacheFigures } from "../cache-figures.ts";
import { invalidateCacheInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export type CacheMetricsOutput = UserCacheFigures | ({ scope: "server" } & CacheMetrics);

export const cacheRouter = router({
  /** A trader's own figures; the server-wide ones (every trader's activity) for ADMINs only. */
  metrics: protectedProcedure.query(({ ctx }): CacheMetricsOutput => {
    if (ctx.user.role === "ADMIN") return { scope: "server", ...ctx.desk.cache.metrics() };
    return cacheFiguresOf(ctx.desk).of(ctx.user.id);
  }),

  /**
   * Only ever the caller's own entries. Limited per user: each one forces the next read to load
   * from the exchange, whose request budget every user of this server shares.
   */
  invalidate: protectedProcedure.input(invalidateCacheInput).mutation(async ({ ctx, input }) => {
    await ctx.guard.forcedReload(ctx.user.id);
    return { invalidated: await ctx.desk.cache.invalidate(ctx.user.id, input?.dataType) };
  }),
});
