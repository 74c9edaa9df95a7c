export { bearerToken, signToken, TOKEN_TTL_SECONDS, verifyToken } from "./auth/token.ts";
export type { UserCacheFigures } from "./cache-figures.ts";
export type { AuthenticatedUser, Context, CreateContextOptions, SessionCookie } from "./context.ts";
export { createAppContextFactory, createContext } from "./context.ts";
export {
  DATABASE_RETRY_AFTER_MS,
  DatabaseUnavailableError,
  type FieldErrors,
  isDatabaseUnreachable,
  toTRPCError,
} from "./errors.ts";
export * from "./inputs/index.ts";
export type { AppRouter, RouterInputs, RouterOutputs } from "./router.ts";
export { appRouter, createCaller } from "./router.ts";
export {
  type ApiGuard,
  createApiGuard,
  DEFAULT_LIMITS,
  type GuardOptions,
  type LimitSettings,
  ThrottledError,
  UNLIMITED_GUARD,
} from "./security/guard.ts";
