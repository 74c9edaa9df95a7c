export {
  BINANCE_USDM_TESTNET_URL,
  BINANCE_USDM_TESTNET_WS_URL,
  BINANCE_USDM_URL,
  BINANCE_USDM_WS_URL,
  type BinanceGateway,
  type BinanceGatewayOptions,
  createBinanceGateway,
} from "./gateway.ts";
export { type BinanceLogger, BinanceUnknownOutcomeError } from "./rest-client.ts";
export { signQuery } from "./sign.ts";
export {
  createWeightBudget,
  type SharedWeightCounter,
  type WeightBudget,
  type WeightBudgetOptions,
  type WeightPriority,
  type WeightState,
} from "./weight-budget.ts";
