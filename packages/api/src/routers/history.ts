import type { DailyPnlQuery } from "@tradedesk/core";
import { historyInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

/** Without a range: the last 90 days (the dashboard's PnL curve). */
const DEFAULT_RANGE: DailyPnlQuery = { lastDays: 90 };
const queryOf = (input: DailyPnlQuery | undefined): DailyPnlQuery =>
  input && (input.lastDays !== undefined || input.from !== undefined || input.to !== undefined)
    ? input
    : { ...DEFAULT_RANGE, ...input };

export const historyRouter = router({
  /** Realized PnL, fees and volume per UTC day with the range's totals, and how fresh they are. */
  daily: protectedProcedure
    .input(historyInput)
    .query(({ ctx, input }) => ctx.desk.history.daily(ctx.user.id, queryOf(input))),

  /** The range's totals only. */
  summary: protectedProcedure
    .input(historyInput)
    .query(({ ctx, input }) => ctx.desk.history.summary(ctx.user.id, queryOf(input))),

  /** The symbols the caller has history in (the symbol picker's), delisted ones included. */
  symbols: protectedProcedure.query(({ ctx }) => ctx.desk.history.symbols(ctx.user.id)),
});
