import type Decimal from "decimal.js";

/**
 * The one interface the domain uses to talk to an exchange, whichever is behind it.
 * Every amount is a decimal.js Decimal (exact); a JS number never carries money.
 */

/** The sides as values too, for the schemas that check them (zod's z.enum). */
export const POSITION_SIDES = ["LONG", "SHORT"] as const;
/** The asset USD-M futures are margined, settled and (without the BNB discount) charged in. */
export const MARGIN_ASSET = "USDT";

export const ORDER_SIDES = ["BUY", "SELL"] as const;
export type PositionSide = (typeof POSITION_SIDES)[number];
export type OrderSide = (typeof ORDER_SIDES)[number];
export type OrderType = "MARKET" | "LIMIT" | "STOP_MARKET" | "TAKE_PROFIT_MARKET";
export type OrderStatus = "NEW" | "PARTIALLY_FILLED" | "FILLED" | "CANCELED" | "REJECTED" | "EXPIRED";

export interface ExchangeCredentials {
  apiKey: string;
  apiSecret: string;
}

/** Which exchange account a call is for. Credentials are decrypted lazily, only to sign a request. */
export interface ExchangeAccountRef {
  /** Our ExchangeAccount.id; the simulated exchange keys its books by it. */
  id: string;
  testnet?: boolean;
  credentials?: () => ExchangeCredentials;
}

export interface AssetBalance {
  asset: string;
  walletBalance: Decimal;
  availableBalance: Decimal;
}

export interface ExchangePosition {
  symbol: string;
  side: PositionSide;
  quantity: Decimal; // always positive; side says the direction
  entryPrice: Decimal;
  leverage: number;
  markPrice: Decimal;
}

export interface AccountSnapshot {
  balances: AssetBalance[];
  positions: ExchangePosition[];
  /** Exchange time of the snapshot, ms since epoch. */
  asOf: number;
}

export interface PlaceOrderRequest {
  /** Our idempotency key; the exchange rejects a second order with the same one. */
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  quantity: Decimal;
  /** LIMIT only. */
  price?: Decimal;
  /** STOP_MARKET / TAKE_PROFIT_MARKET only: the mark price that triggers it. */
  triggerPrice?: Decimal;
  reduceOnly?: boolean;
}

export interface ExchangeOrder {
  exchangeOrderId: string;
  clientOrderId: string;
  symbol: string;
  side: OrderSide;
  type: OrderType;
  status: OrderStatus;
  quantity: Decimal;
  filledQuantity: Decimal;
  /** Average fill price; null until something filled. */
  averagePrice: Decimal | null;
  price: Decimal | null;
  triggerPrice: Decimal | null;
  reduceOnly: boolean;
  /**
   * The PnL the order's fills realized, when the exchange says it with the order (the simulated
   * exchange always; Binance on its stream's trade updates, not in REST answers).
   */
  realizedPnl?: Decimal;
}

/** One fill of an order, as the exchange's trade history reports it. */
export interface ExchangeTrade {
  /** The exchange's trade id; increases with time within an account and symbol. */
  tradeId: string;
  exchangeOrderId: string;
  symbol: string;
  side: OrderSide;
  quantity: Decimal;
  price: Decimal;
  /** The PnL this fill realized (0 for a fill that opens or adds to a position). */
  realizedPnl: Decimal;
  /**
   * The commission charged for this fill, in the margin asset (USDT). 0 when the exchange charged
   * none (the simulated exchange) or charged it in another asset (Binance's BNB discount): valuing
   * that would need the asset's price at the time.
   */
  fee: Decimal;
  /** Exchange time of the fill, ms since epoch. */
  time: number;
}

export interface TradeQuery {
  symbol: string;
  /** Fills at or after this exchange time (ms since epoch). */
  startTime: number;
}

/**
 * A symbol's leverage for an account. Leverage is a per-symbol setting of the account, not a field
 * of an order (Binance: POST /fapi/v1/leverage): every order on the symbol, and its open position,
 * trade at it.
 */
export interface LeverageRequest {
  symbol: string;
  /** A whole number from 1 to the symbol's maximum. */
  leverage: number;
}

/** What the exchange confirmed: the leverage now in force and the largest position it allows. */
export interface LeverageSetting {
  symbol: string;
  leverage: number;
  /** The largest notional (quantity x price, quote asset) a position may reach at this leverage. */
  maxNotional: Decimal;
}

export interface OrderRef {
  symbol: string;
  clientOrderId: string;
  /** Trigger (stop-loss / take-profit) orders live in a separate book on Binance (algo orders). */
  kind?: "regular" | "trigger";
}

export interface CancelResult {
  clientOrderId: string;
  /** false when the order was already gone (filled, cancelled, unknown): not an error for a batch. */
  cancelled: boolean;
  reason?: string;
  /** What became of an order that was already gone, when the exchange says (no look-up needed). */
  status?: OrderStatus;
}

export type AccountEvent =
  | { type: "order"; accountId: string; order: ExchangeOrder; at: number }
  /** The positions that changed; one that went flat comes with quantity 0. */
  | { type: "position"; accountId: string; positions: ExchangePosition[]; at: number }
  | { type: "balance"; accountId: string; balances: AssetBalance[]; at: number }
  /** A stop-loss / take-profit fired and closed (part of) a position. */
  | { type: "protective-triggered"; accountId: string; order: ExchangeOrder; at: number }
  /** The account's event stream was down and is back: events in between may be lost. */
  | { type: "stream-restarted"; accountId: string; at: number };

export interface MarkPriceTick {
  symbol: string;
  markPrice: Decimal;
  at: number;
}

export type Unsubscribe = () => void;

/** One listed symbol's trading rules (Binance exchangeInfo filters), amounts exact. */
export interface SymbolRules {
  symbol: string;
  /** "TRADING" when orders are accepted; anything else (e.g. "SETTLING", "BREAK") refuses them. */
  status: string;
  baseAsset: string;
  quoteAsset: string;
  /** PRICE_FILTER: prices (limit, trigger) are multiples of it. */
  tickSize: Decimal;
  /** LOT_SIZE: quantities of LIMIT and trigger orders. */
  stepSize: Decimal;
  minQuantity: Decimal;
  maxQuantity: Decimal;
  /** MARKET_LOT_SIZE: quantities of MARKET orders. */
  marketStepSize: Decimal;
  marketMinQuantity: Decimal;
  marketMaxQuantity: Decimal;
  /** MIN_NOTIONAL: quantity x price of an order that is not reduce-only, in the quote asset. */
  minNotional: Decimal;
}

export interface ExchangeRules {
  symbols: SymbolRules[];
  /** Exchange time of the document, ms since epoch. */
  asOf: number;
}

export interface ExchangeGateway {
  readonly name: "simulated" | "binance-usdm";
  getAccountSnapshot(account: ExchangeAccountRef): Promise<AccountSnapshot>;
  placeOrder(account: ExchangeAccountRef, request: PlaceOrderRequest): Promise<ExchangeOrder>;
  /** Looks an order up by our clientOrderId; null if the exchange never accepted it. */
  getOrder(account: ExchangeAccountRef, ref: OrderRef): Promise<ExchangeOrder | null>;
  /**
   * Every open order of the account, resting (regular) and trigger (Binance algo) orders alike:
   * what the reconciler compares with the database. Not cached; weigh it like a snapshot.
   */
  getOpenOrders(account: ExchangeAccountRef): Promise<ExchangeOrder[]>;
  /**
   * The account's fills on one symbol since `startTime`, oldest first, however many there are
   * (the gateway pages): the reconciler books realized PnL from them, never from a guess.
   */
  getTrades(account: ExchangeAccountRef, query: TradeQuery): Promise<ExchangeTrade[]>;
  /**
   * Sets the account's leverage for a symbol (Binance: POST /fapi/v1/leverage, weight 1). It applies
   * to the open position and orders of the symbol too. Refused (`ExchangeRejectedError`, a code of
   * LEVERAGE_REFUSALS) when the symbol does not take it, or when the open position's margin at it
   * would exceed the available balance; setting the leverage already in force is allowed.
   */
  setLeverage(account: ExchangeAccountRef, request: LeverageRequest): Promise<LeverageSetting>;
  /** Cancels a batch; orders already gone come back with cancelled: false. */
  cancelOrders(account: ExchangeAccountRef, refs: OrderRef[]): Promise<CancelResult[]>;
  getMarkPrices(symbols: readonly string[]): Promise<Map<string, Decimal>>;
  subscribeMarkPrices(symbols: readonly string[], listener: (tick: MarkPriceTick) => void): Unsubscribe;
  /**
   * Every listed symbol's mark price as it moves, on one stream (Binance: the all-market mark
   * price stream): what the process-wide price feed listens to.
   */
  subscribeAllMarkPrices(listener: (tick: MarkPriceTick) => void): Unsubscribe;
  /** Symbols and their filters (Binance GET /fapi/v1/exchangeInfo, weight 1). */
  getExchangeRules(): Promise<ExchangeRules>;
  subscribeAccountEvents(account: ExchangeAccountRef, listener: (event: AccountEvent) => void): Unsubscribe;
  /** Stops timers, sockets and keep-alives. */
  close(): Promise<void>;
}
