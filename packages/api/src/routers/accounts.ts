import { addAccountInput, removeAccountInput, renameAccountInput } from "../inputs/index.ts";
import { protectedProcedure, router } from "../trpc.ts";

export const accountsRouter = router({
  /** The caller's exchange accounts; keys never leave the server. */
  list: protectedProcedure.query(({ ctx }) => ctx.desk.accounts.list(ctx.user.id)),
  /** Verified with one signed read on the exchange before it is stored (keys encrypted). */
  add: protectedProcedure
    .input(addAccountInput)
    .mutation(({ ctx, input }) => ctx.desk.accounts.add(ctx.user.id, input)),
  rename: protectedProcedure
    .input(renameAccountInput)
    .mutation(({ ctx, input }) => ctx.desk.accounts.rename(ctx.user.id, input)),
  /** Another user's account is NOT_FOUND, like a missing one. */
  remove: protectedProcedure
    .input(removeAccountInput)
    .mutation(({ ctx, input }) => ctx.desk.accounts.remove(ctx.user.id, input.accountId)),
});
