export {
  createExchangeRulesCache,
  type ExchangeRulesCache,
  type ExchangeRulesOptions,
  type KnownRules,
} from "./exchange-rules.ts";
export {
  createPriceFeed,
  type MarkPriceQuote,
  type PriceFeed,
  type PriceFeedOptions,
  type QuotedPrice,
} from "./price-feed.ts";
