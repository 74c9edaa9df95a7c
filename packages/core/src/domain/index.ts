export type { BalancesSnapshot, SnapshotPosition } from "./balances-snapshot.ts";
export type * from "./commands.ts";
export type { DeskLogger, Gateways } from "./deps.ts";
export { createTradingDesk, type TradingDeskInstance, type TradingDeskOptions } from "./desk.ts";
export * from "./errors.ts";
export { loadInitialBook } from "./initial-book.ts";
export type { MarkPriceWatch } from "./mark-price-watch.ts";
export type * from "./trading-desk.ts";
export type * from "./views.ts";
