import { marketQuoteInput, marketSymbolsInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const marketRouter = router({
  /** The symbols the account's exchange trades, with their steps and minimums (for the order form). */
  symbols: protectedProcedure
    .input(marketSymbolsInput)
    .query(({ ctx, input }) => ctx.desk.market.symbols(ctx.user.id, input.accountId)),

  /** A symbol's mark price (the order form's value preview); never cached, from the shared feed. */
  quote: protectedProcedure
    .input(marketQuoteInput)
    .query(({ ctx, input }) => ctx.desk.market.quote(ctx.user.id, input.accountId, input.symbol)),
});
