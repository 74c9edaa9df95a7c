import type { RouterOutputs } from "@tradedesk/api";

/** The shapes the dashboard renders, straight from the API's types. */
export type BalancesRead = RouterOutputs["dashboard"]["balances"];
export type BalancesSummary = BalancesRead["data"];
export type Position = BalancesSummary["positions"][number];
/** A position the exchange closed (not the trader) in the last 24 hours: reconciliation found it. */
export type RecentlyClosed = BalancesSummary["recentlyClosed"][number];
export type Account = BalancesSummary["accounts"][number];
export type CacheMetrics = RouterOutputs["cache"]["metrics"];
export type Order = RouterOutputs["orders"]["open"]["items"][number];
export type ClosedPosition = RouterOutputs["positions"]["closed"]["items"][number];
