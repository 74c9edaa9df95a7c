// The domain's own fixture (database, simulated exchange, cache, desk), reused as it is.
import { createDeskFixture, TEST_PASSWORD } from "@tradedesk/core/testing";
import { getTRPCErrorShape, TRPCError } from "@trpc/server";
import { expect } from "vitest";
import { createContext } from "../../src/context.ts";
import { appRouter, createCaller } from "../../src/router.ts";

export const JWT_SECRET = "test-secret-of-at-least-thirty-two-bytes!";
export { TEST_PASSWORD };

export async function createApiFixture(options: { staleIfErrorMs?: number } = {}) {
  const f = await createDeskFixture(options);
  const callerFor = async (authorization: string | null, signal?: AbortSignal) =>
    createCaller(
      await createContext({ desk: f.desk, jwtSecret: JWT_SECRET, authorization }),
      signal ? { signal } : {},
    );
  const anonymous = await callerFor(null);
  return {
    ...f,
    anonymous,
    callerFor,
    /** A new trader, signed in through auth.login. */
    async signedInTrader() {
      const trader = await f.createTrader();
      const { token, user } = await anonymous.auth.login({ email: trader.email, password: TEST_PASSWORD });
      return { ...trader, token, user, api: await callerFor(`Bearer ${token}`) };
    },
  };
}

export type ApiFixture = Awaited<ReturnType<typeof createApiFixture>>;

/** What a client receives for this error over HTTP: the formatted shape (code, message, data). */
export function shapeOf(error: unknown) {
  expect(error).toBeInstanceOf(TRPCError);
  return getTRPCErrorShape({
    config: appRouter._def._config,
    error: error as TRPCError,
    type: "mutation",
    path: undefined,
    input: undefined,
    ctx: undefined,
  });
}

/** The rejection of a call, for asserting on it. */
export async function failureOf(call: Promise<unknown>): Promise<TRPCError> {
  try {
    await call;
  } catch (error) {
    expect(error).toBeInstanceOf(TRPCError);
    return error as TRPCError;
  }
  throw new Error("expected the call to fail");
}
