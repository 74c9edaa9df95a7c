import { protectedProcedure, router } from "../trpc.ts";

export const accountsRouter = router({
  /** The caller's exchange accounts; keys never leave the server. */
  list: protectedProcedure.query(({ ctx }) => ctx.desk.accounts.list(ctx.user.id)),
});
