import { TRPCError } from "@trpc/server";
import { signToken } from "../auth/token.ts";
import { loginInput } from "../inputs/index.ts";
import { protectedProcedure, publicProcedure, router } from "../trpc.ts";

// One message for an unknown email and a wrong password: no account enumeration.
const BAD_CREDENTIALS = "wrong email or password";

export const authRouter = router({
  login: publicProcedure.input(loginInput).mutation(async ({ ctx, input }) => {
    // Limits are checked (and the attempt counted) before hashing: a refused attempt costs nothing.
    await ctx.guard.beginLogin(input.email, ctx.clientAddress);
    const user = await ctx.guard.hashing(() => ctx.desk.users.authenticate(input.email, input.password));
    if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: BAD_CREDENTIALS });
    await ctx.guard.loginSucceeded(input.email);
    const token = await signToken(ctx.jwtKey, user.id);
    // Browsers keep the session in an httpOnly cookie every tab shares; scripts use the token.
    ctx.sessionCookie?.set(token);
    return { token, user };
  }),

  /**
   * Clears the browser's session cookie. Public: a session that already expired can still sign
   * out. A bearer token stays valid until it expires (tokens are not revoked server-side).
   */
  logout: publicProcedure.mutation(({ ctx }) => {
    ctx.sessionCookie?.clear();
    return { signedOut: true };
  }),

  me: protectedProcedure.query(async ({ ctx }) => {
    const user = await ctx.desk.users.get(ctx.user.id);
    if (!user) throw new TRPCError({ code: "UNAUTHORIZED", message: "this account no longer exists" });
    return user;
  }),
});
