import { marketSymbolsInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const marketRouter = router({
  /** The symbols the account's exchange trades, with their steps and minimums (for the order form). */
  symbols: protectedProcedure
    .input(marketSymbolsInput)
    .query(({ ctx, input }) => ctx.desk.market.symbols(ctx.user.id, input.accountId)),
});
