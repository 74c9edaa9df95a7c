import {
  ConflictError,
  ExchangeOrderStatusUnknownError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
  InvalidCommandError,
  NotFoundError,
} from "@tradedesk/core";
import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { ThrottledError } from "./security/guard.ts";

/** Turns a domain or exchange failure into the tRPC error the client sees; the original stays as `cause`. */
export function toTRPCError(error: unknown): TRPCError {
  if (error instanceof TRPCError) {
    // Errors thrown by resolvers arrive wrapped; map what they wrap.
    if (error.code === "INTERNAL_SERVER_ERROR" && error.cause && !(error.cause instanceof TRPCError)) {
      const mapped = toTRPCError(error.cause);
      return mapped.code === "INTERNAL_SERVER_ERROR" ? error : mapped;
    }
    return error;
  }
  if (error instanceof ThrottledError) {
    return new TRPCError({ code: "TOO_MANY_REQUESTS", message: error.message, cause: error });
  }
  if (error instanceof NotFoundError)
    return new TRPCError({ code: "NOT_FOUND", message: error.message, cause: error });
  if (error instanceof InvalidCommandError) {
    return new TRPCError({ code: "BAD_REQUEST", message: `${error.field}: ${error.message}`, cause: error });
  }
  if (error instanceof ConflictError)
    return new TRPCError({ code: "CONFLICT", message: error.message, cause: error });
  if (error instanceof ExchangeRateLimitedError) {
    return new TRPCError({
      code: "TOO_MANY_REQUESTS",
      message: `the exchange is rate limiting us; retry in ${Math.ceil(error.retryAfterMs / 1000)} s`,
      cause: error,
    });
  }
  if (error instanceof ExchangeUnavailableError) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: "the exchange is unavailable; nothing was changed, try again shortly",
      cause: error,
    });
  }
  if (error instanceof ExchangeOrderStatusUnknownError) {
    return new TRPCError({
      code: "SERVICE_UNAVAILABLE",
      message: `the exchange did not confirm order ${error.clientOrderId}; retry with the same clientOrderId`,
      cause: error,
    });
  }
  if (isDatabaseUnreachable(error)) {
    const unavailable = new DatabaseUnavailableError(error);
    return new TRPCError({ code: "SERVICE_UNAVAILABLE", message: unavailable.message, cause: unavailable });
  }
  if (error instanceof ExchangeRejectedError) {
    return new TRPCError({
      code: "BAD_REQUEST",
      message: `the exchange rejected it: ${error.message}`,
      cause: error,
    });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error", cause: error });
}

/** Seconds a client should wait before retrying while the database is unreachable (Retry-After). */
export const DATABASE_RETRY_AFTER_MS = 5_000;

/** The database could not be reached: nothing was changed; `retryAfterMs` becomes Retry-After. */
export class DatabaseUnavailableError extends Error {
  override readonly name = "DatabaseUnavailableError";
  readonly retryAfterMs = DATABASE_RETRY_AFTER_MS;
  constructor(cause: unknown) {
    super("the desk's database is unreachable; nothing was changed, try again in a few seconds", { cause });
  }
}

/**
 * Prisma's ways of saying the connection is lost or refused (seen with @prisma/adapter-pg 7):
 * - PrismaClientKnownRequestError P1001 (can't reach), P1002 (timed out), P1017 (closed), or any
 *   code (P2010 for raw queries) with meta.driverAdapterError.cause.kind below;
 * - a plain Error from node-postgres passed through ("Connection terminated unexpectedly") or a
 *   socket error (ECONNREFUSED...); PostgreSQL's class 08 (connection) and 57P0x (shutting down);
 * - PrismaClientInitializationError (no connection at all); PGlite's "PGlite is closed".
 */
const UNREACHABLE_PRISMA_CODES = new Set(["P1001", "P1002", "P1008", "P1017"]);
const UNREACHABLE_KINDS = new Set([
  "DatabaseNotReachable",
  "ConnectionClosed",
  "SocketTimeout",
  "TooManyConnections",
]);
const UNREACHABLE_ERRNO = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "EAI_AGAIN",
  "57P01",
  "57P02",
  "57P03",
  "53300",
]);
const UNREACHABLE_MESSAGE =
  /Connection terminated|connection timeout|Connection terminated due to connection timeout|Client has encountered a connection error|Can't reach database server|Server has closed the connection|PGlite is closed|timeout exceeded when trying to connect/i;

export function isDatabaseUnreachable(error: unknown): boolean {
  let current: unknown = error;
  // The cause chain, bounded: wrappers (tRPC, the desk) keep the original as `cause`.
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof DatabaseUnavailableError) return true;
    const { name, message } = current;
    const code = (current as { code?: unknown }).code;
    const meta = (current as { meta?: { driverAdapterError?: { cause?: { kind?: unknown } } } }).meta;
    const kind = meta?.driverAdapterError?.cause?.kind;
    if (name === "PrismaClientInitializationError") return true;
    if (typeof code === "string" && (UNREACHABLE_PRISMA_CODES.has(code) || UNREACHABLE_ERRNO.has(code)))
      return true;
    if (typeof code === "string" && code.startsWith("08") && code.length === 5) return true;
    if (typeof kind === "string" && UNREACHABLE_KINDS.has(kind)) return true;
    if (UNREACHABLE_MESSAGE.test(message)) return true;
    current = current.cause;
  }
  return false;
}

export interface FieldErrors {
  formErrors: string[];
  fieldErrors: Record<string, string[]>;
  /** Every issue with its full path, for nested fields. */
  issues: { path: (string | number)[]; message: string }[];
}

/**
 * Bounds of what an error echoes back. Input is at most a 1 MB body, but zod names what it found
 * (an unknown key, its path) and tRPC puts every issue in the message: unbounded, a 1 MB key came
 * back four times over. With these, one error stays under about 4 KB, whatever the input.
 */
const MAX_MESSAGE = 200;
const MAX_ISSUES = 8;
const MAX_ISSUE_MESSAGE = 120;
const MAX_PATH_SEGMENTS = 5;
const MAX_SEGMENT = 32;
const MAX_FORM_ERRORS = 3;

export function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

function clipPath(path: readonly PropertyKey[]): (string | number)[] {
  const segments = path
    .filter((key): key is string | number => typeof key !== "symbol")
    .map((key) => (typeof key === "string" ? clip(key, MAX_SEGMENT) : key));
  return segments.length <= MAX_PATH_SEGMENTS ? segments : [...segments.slice(0, MAX_PATH_SEGMENTS), "…"];
}

/**
 * The client-facing message, bounded. For invalid input tRPC's is every zod issue as JSON; the
 * first issue in words says as much (all of them are in `data.zodError`).
 */
export function clientMessage(error: TRPCError, message: string): string {
  const cause = error.cause;
  if (cause instanceof z.ZodError && cause.issues.length > 0) {
    const [first] = cause.issues;
    const path = clipPath(first?.path ?? []).join(".");
    const more = cause.issues.length > 1 ? ` (and ${cause.issues.length - 1} more)` : "";
    return clip(
      `${path ? `${path}: ` : ""}${clip(first?.message ?? "", MAX_ISSUE_MESSAGE)}${more}`,
      MAX_MESSAGE,
    );
  }
  return clip(message, MAX_MESSAGE);
}

/** The `data` the error formatter adds, so clients can show errors on fields and back off. */
export function errorData(error: TRPCError): { zodError: FieldErrors | null; retryAfterMs: number | null } {
  const cause = error.cause;
  let zodError: FieldErrors | null = null;
  if (cause instanceof z.ZodError) {
    const flat = z.flattenError(cause);
    const fieldErrors: Record<string, string[]> = {};
    for (const [field, messages] of Object.entries(flat.fieldErrors as Record<string, string[]>).slice(
      0,
      MAX_ISSUES,
    )) {
      fieldErrors[clip(field, MAX_SEGMENT)] = messages.slice(0, 2).map((m) => clip(m, MAX_ISSUE_MESSAGE));
    }
    zodError = {
      formErrors: flat.formErrors.slice(0, MAX_FORM_ERRORS).map((m) => clip(m, MAX_ISSUE_MESSAGE)),
      fieldErrors,
      issues: cause.issues.slice(0, MAX_ISSUES).map((issue) => ({
        path: clipPath(issue.path),
        message: clip(issue.message, MAX_ISSUE_MESSAGE),
      })),
    };
  } else if (cause instanceof InvalidCommandError) {
    const message = clip(cause.message, MAX_ISSUE_MESSAGE);
    zodError = {
      formErrors: [],
      fieldErrors: { [clip(cause.field, MAX_SEGMENT)]: [message] },
      issues: [{ path: clipPath(cause.field.split(".")), message }],
    };
  }
  const retryAfterMs =
    cause instanceof ExchangeRateLimitedError ||
    cause instanceof ThrottledError ||
    cause instanceof DatabaseUnavailableError
      ? cause.retryAfterMs
      : null;
  return { zodError, retryAfterMs };
}
