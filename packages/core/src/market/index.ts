export {
  createPriceFeed,
  type MarkPriceQuote,
  type PriceFeed,
  type PriceFeedOptions,
  type QuotedPrice,
} from "./price-feed.ts";
