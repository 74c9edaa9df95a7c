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
  if (error instanceof ExchangeRejectedError) {
    return new TRPCError({
      code: "BAD_REQUEST",
      message: `the exchange rejected it: ${error.message}`,
      cause: error,
    });
  }
  return new TRPCError({ code: "INTERNAL_SERVER_ERROR", message: "internal error", cause: error });
}

export interface FieldErrors {
  formErrors: string[];
  fieldErrors: Record<string, string[]>;
  /** Every issue with its full path, for nested fields. */
  issues: { path: (string | number)[]; message: string }[];
}

/** The `data` the error formatter adds, so clients can show errors on fields and back off. */
export function errorData(error: TRPCError): { zodError: FieldErrors | null; retryAfterMs: number | null } {
  const cause = error.cause;
  let zodError: FieldErrors | null = null;
  if (cause instanceof z.ZodError) {
    const flat = z.flattenError(cause);
    zodError = {
      formErrors: flat.formErrors,
      fieldErrors: flat.fieldErrors as Record<string, string[]>,
      issues: cause.issues.map((issue) => ({
        path: issue.path.filter((key): key is string | number => typeof key !== "symbol"),
        message: issue.message,
      })),
    };
  } else if (cause instanceof InvalidCommandError) {
    zodError = {
      formErrors: [],
      fieldErrors: { [cause.field]: [cause.message] },
      issues: [{ path: cause.field.split("."), message: cause.message }],
    };
  }
  const retryAfterMs = cause instanceof ExchangeRateLimitedError ? cause.retryAfterMs : null;
  return { zodError, retryAfterMs };
}
