// Test fixtures for packages that build on core (the API's tests): real parts, fresh database.

export { type FakeBinance, startFakeBinance } from "../exchange/binance/testing/index.ts";
export * from "./desk-fixture.ts";
export { recordClosedPosition, recordOrder } from "./records.ts";
export { SAFETY_NET_MS } from "./safety-net.ts";
