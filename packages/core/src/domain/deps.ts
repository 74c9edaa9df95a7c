import type { PrismaClient } from "@tradedesk/db";
import type { PositionsCache } from "../cache/index.ts";
import type { ExchangeGateway } from "../exchange/gateway.ts";
import type { CredentialsCipher } from "../secrets/index.ts";

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
