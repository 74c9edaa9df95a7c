import type { PrismaClient } from "@tradedesk/db";
import type { PositionsCache } from "../cache/index.ts";
import type { ExchangeGateway } from "../exchange/gateway.ts";
import type { ExchangeRulesCache, PriceFeed } from "../market/index.ts";
import type { CredentialsCipher } from "../secrets/index.ts";
import type { AccountBalances } from "./account-balances.ts";

/** pino-compatible; the server passes its logger, tests a silent one. */
export interface DeskLogger {
  warn(details: object, message: string): void;
  error(details: object, message: string): void;
}

export interface Gateways {
  SIMULATED: ExchangeGateway;
  BINANCE_USDM?: ExchangeGateway;
}

/** What every service of the desk shares. */
export interface DeskDeps {
  prisma: PrismaClient;
  cache: PositionsCache;
  gateways: Gateways;
  credentialsCipher?: CredentialsCipher;
  /** Exchange balances kept current by the accounts' event streams (reads cost no weight). */
  accountBalances: AccountBalances;
  /** Each exchange's symbols and filters, loaded once and refreshed every 5 minutes. */
  rules(exchange: keyof Gateways): ExchangeRulesCache;
  /** The process's one mark-price feed per exchange: reads cost no request weight. */
  prices(exchange: keyof Gateways): PriceFeed;
  now: () => Date;
  logger: DeskLogger;
  /** Invalidates the user's cache entries; call only after the transaction committed. */
  userDataChanged(userId: string): Promise<void>;
  /**
   * Asks for a reconcile run of the account soon (an unknown outcome, a cancel that failed):
   * the reconciler settles what the mutation could not. Never waits, never throws.
   */
  requestReconcile(accountId: string, trigger?: "AFTER_MUTATION" | "STREAM_RECONNECT"): void;
}
