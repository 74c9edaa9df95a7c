/**
 * What a browser may run: rules with no Node, database or exchange behind them (decimal.js
 * only). The dashboard reaches them through `@tradedesk/api/pure`.
 */
export { type MarkQuote, markToMarket } from "./domain/mark-to-market.ts";
