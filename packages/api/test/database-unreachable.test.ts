import { TRPCError } from "@trpc/server";
import { describe, expect, it } from "vitest";
import { DatabaseUnavailableError, errorData, isDatabaseUnreachable, toTRPCError } from "../src/errors.ts";

/** The shapes seen from Prisma 7 + @prisma/adapter-pg with the database cut (apps/server's outage test). */
function prismaKnown(code: string, kind?: string) {
  return Object.assign(new Error("Invalid `prisma.user.findMany()` invocation"), {
    name: "PrismaClientKnownRequestError",
    code,
    meta: kind ? { driverAdapterError: { name: "DriverAdapterError", cause: { kind } } } : {},
  });
}

describe("database unreachable", () => {
  it.each([
    ["P1001 (can't reach)", prismaKnown("P1001", "DatabaseNotReachable")],
    ["raw query with a driver adapter cause", prismaKnown("P2010", "DatabaseNotReachable")],
    ["connection closed", prismaKnown("P2010", "ConnectionClosed")],
    ["node-postgres passed through", new Error("Connection terminated unexpectedly")],
    [
      "a refused socket",
      Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:5432"), { code: "ECONNREFUSED" }),
    ],
    ["PostgreSQL shutting down", Object.assign(new Error("terminating connection"), { code: "57P01" })],
    ["PGlite closed", new Error("PGlite is closed")],
    ["wrapped", new Error("loading failed", { cause: new Error("Connection terminated unexpectedly") })],
  ])("%s: 503 with Retry-After and a trader's message", (_, error) => {
    expect(isDatabaseUnreachable(error)).toBe(true);
    const mapped = toTRPCError(new TRPCError({ code: "INTERNAL_SERVER_ERROR", cause: error }));
    expect(mapped.code).toBe("SERVICE_UNAVAILABLE");
    expect(mapped.message).toBe(
      "the desk's database is unreachable; nothing was changed, try again in a few seconds",
    );
    expect(mapped.cause).toBeInstanceOf(DatabaseUnavailableError);
    expect(errorData(mapped).retryAfterMs).toBeGreaterThan(0);
  });

  it.each([
    ["a unique violation", prismaKnown("P2002")],
    ["a plain bug", new TypeError("x is undefined")],
  ])("%s stays what it was", (_, error) => {
    expect(isDatabaseUnreachable(error)).toBe(false);
    expect(toTRPCError(error).code).toBe("INTERNAL_SERVER_ERROR");
  });
});
