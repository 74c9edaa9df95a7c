export { bearerToken, signToken, TOKEN_TTL_SECONDS, verifyToken } from "./auth/token.ts";
export type { AuthenticatedUser, Context, CreateContextOptions } from "./context.ts";
export { createAppContextFactory, createContext } from "./context.ts";
export type { FieldErrors } from "./errors.ts";
export * from "./inputs/index.ts";
export type { AppRouter, RouterInputs, RouterOutputs } from "./router.ts";
export { appRouter, createCaller } from "./router.ts";
