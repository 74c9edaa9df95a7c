import { randomUUID } from "node:crypto";
import { closedPositionsInput, closePositionInput, modifySlTpInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const positionsRouter = router({
  close: protectedProcedure.input(closePositionInput).mutation(({ ctx, input }) =>
    ctx.desk.positions.close(ctx.user.id, {
      positionId: input.positionId,
      clientOrderId: input.clientOrderId ?? randomUUID(),
    }),
  ),

  modifySlTp: protectedProcedure
    .input(modifySlTpInput)
    .mutation(({ ctx, input }) => ctx.desk.positions.modifySlTp(ctx.user.id, input)),

  /** Closed positions with their realized PnL, most recently closed first, by cursor. */
  closed: protectedProcedure
    .input(closedPositionsInput)
    .query(({ ctx, input }) => ctx.desk.positions.closed(ctx.user.id, input ?? { limit: 20 })),
});
