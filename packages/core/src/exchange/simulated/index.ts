export type { InitialBook } from "./book.ts";
export {
  createMemoryBookStore,
  createPrismaBookStore,
  type SimulatedBookPrisma,
  type SimulatedBookStore,
  type StoreChange,
  type StoreChangeFn,
  type StoreUpdateOptions,
} from "./book-store.ts";
export type { FaultOptions, SimulatedFault, SimulatedOperation } from "./faults.ts";
export { DEFAULT_SYMBOLS } from "./market.ts";
export { REQUEST_WEIGHT } from "./request-weight.ts";
export {
  createSimulatedExchange,
  type SimulatedExchange,
  type SimulatedExchangeOptions,
  type SimulatedTimers,
} from "./simulated-exchange.ts";
export { symbolRulesFor } from "./symbol-rules.ts";
