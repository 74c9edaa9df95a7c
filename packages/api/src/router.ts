import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import { accountsRouter } from "./routers/accounts.ts";
import { authRouter } from "./routers/auth.ts";
import { cacheRouter } from "./routers/cache.ts";
import { dashboardRouter } from "./routers/dashboard.ts";
import { historyRouter } from "./routers/history.ts";
import { marketRouter } from "./routers/market.ts";
import { ordersRouter } from "./routers/orders.ts";
import { positionsRouter } from "./routers/positions.ts";
import { createCallerFactory, router } from "./trpc.ts";

export const appRouter = router({
  auth: authRouter,
  accounts: accountsRouter,
  dashboard: dashboardRouter,
  history: historyRouter,
  market: marketRouter,
  cache: cacheRouter,
  orders: ordersRouter,
  positions: positionsRouter,
});

export type AppRouter = typeof appRouter;
export type RouterInputs = inferRouterInputs<AppRouter>;
export type RouterOutputs = inferRouterOutputs<AppRouter>;

/** In-process calls (tests, scripts): `createCaller(await createContext({ desk, jwtSecret, authorization }))`. */
export const createCaller = createCallerFactory(appRouter);
