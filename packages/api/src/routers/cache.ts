import { invalidateCacheInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const cacheRouter = router({
  metrics: protectedProcedure.query(({ ctx }) => ctx.desk.cache.metrics()),

  /** Only ever the caller's own entries. */
  invalidate: protectedProcedure.input(invalidateCacheInput).mutation(async ({ ctx, input }) => ({
    invalidated: await ctx.desk.cache.invalidate(ctx.user.id, input?.dataType),
  })),
});
