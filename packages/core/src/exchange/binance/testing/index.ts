export {
  type FakeBinance,
  type FakeBinanceAccount,
  type FakeBinanceOptions,
  type FakeFault,
  type FaultOptions,
  type RecordedRequest,
  startFakeBinance,
} from "./fake-binance.ts";
