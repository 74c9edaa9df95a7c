import { initTRPC, TRPCError } from "@trpc/server";
import type { Context } from "./context.ts";
import { clientMessage, errorData, toTRPCError } from "./errors.ts";

const t = initTRPC.context<Context>().create({
  errorFormatter({ shape, error }) {
    // Never leak internals (SQL, stack) to clients; the server logs the cause.
    const message =
      error.code === "INTERNAL_SERVER_ERROR" ? "internal error" : clientMessage(error, shape.message);
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, message, data: { ...data, ...errorData(error) } };
  },
  sse: {
    // A comment every 15 s keeps proxies from closing a quiet stream; a client that hears nothing
    // (not even that) for 45 s reconnects instead of waiting on a dead connection.
    ping: { enabled: true, intervalMs: 15_000 },
    client: { reconnectAfterInactivityMs: 45_000 },
  },
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/** Maps domain and exchange errors to tRPC codes for every procedure. */
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok) throw toTRPCError(result.error);
  return result;
});

export const publicProcedure = t.procedure.use(mapErrors);

export const protectedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in first" });
  return next({ ctx: { ...ctx, user: ctx.user } });
});
