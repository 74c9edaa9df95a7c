import { randomUUID } from "node:crypto";
import { createOrderInput, listOrdersInput } from "../inputs/index.ts";
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
});
