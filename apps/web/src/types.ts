import type { RouterOutputs } from "@tradedesk/api";

/** The shapes the dashboard renders, straight from the API's types. */
export type BalancesRead = RouterOutputs["dashboard"]["balances"];
export type BalancesSummary = BalancesRead["data"];
export type Position = BalancesSummary["positions"][number];
export type Account = BalancesSummary["accounts"][number];
export type CacheMetrics = RouterOutputs["cache"]["metrics"];
