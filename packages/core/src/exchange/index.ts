export * from "./binance/index.ts";
export * from "./errors.ts";
export * from "./gateway.ts";
export { placeWithReconciliation } from "./reconcile-order.ts";
export * from "./simulated/index.ts";
