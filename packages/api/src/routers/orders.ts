import { randomUUID } from "node:crypto";
import { cancelOrdersInput, createOrderInput, listOrdersInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const ordersRouter = router({
  create: protectedProcedure
    .input(createOrderInput)
    .mutation(({ ctx, input }) =>
      ctx.desk.orders.create(ctx.user.id, { ...input, clientOrderId: input.clientOrderId ?? randomUUID() }),
    ),

  list: protectedProcedure
    .input(listOrdersInput)
    .query(({ ctx, input }) => ctx.desk.orders.list(ctx.user.id, input ?? { limit: 50 })),

  /** One order, or every open order of a symbol on an account; never one placed outside the desk. */
  cancel: protectedProcedure
    .input(cancelOrdersInput)
    .mutation(({ ctx, input }) => ctx.desk.orders.cancel(ctx.user.id, input)),

  /** Live and unsettled orders (entries, resting limits, stop-loss / take-profit, external ones). */
  open: protectedProcedure.query(({ ctx }) => ctx.desk.orders.open(ctx.user.id)),

  /** Orders that filled, newest first, by cursor. */
  trades: protectedProcedure
    .input(listOrdersInput)
    .query(({ ctx, input }) => ctx.desk.orders.trades(ctx.user.id, input ?? { limit: 50 })),
});
