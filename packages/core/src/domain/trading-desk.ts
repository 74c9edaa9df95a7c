import type { CacheMetrics } from "../cache/index.ts";
import type { Unsubscribe } from "../exchange/gateway.ts";
import type { Reconciler } from "../reconcile/index.ts";
import type {
  CancelOrdersCommand,
  ClosedPositionsQuery,
  ClosePositionCommand,
  CreateOrderCommand,
  DailyPnlQuery,
  ListOrdersQuery,
  ModifySlTpCommand,
} from "./commands.ts";
import type { AddExchangeAccountCommand, RenameExchangeAccountCommand } from "./exchange-account-admin.ts";
import type { MarkPriceWatch } from "./mark-price-watch.ts";
import type {
  AccountView,
  BalancesRead,
  CancelOrdersResult,
  ClosePositionResult,
  CreateOrderResult,
  DailyPnlView,
  DecimalString,
  HistorySummaryView,
  HistorySymbolsView,
  ModifySlTpResult,
  OpenOrdersView,
  OrderPage,
  PositionPage,
  QuoteView,
  SymbolsView,
  UserView,
} from "./views.ts";

/** Why a user's data changed; `null` userId means everyone's (a global invalidation). */
export type UserDataChangedListener = (userId: string | null, reason: string) => void;

/**
 * The trading desk: every use case the API offers, each scoped by the caller's user id.
 * Built by createTradingDesk (desk.ts); the API only sees this interface.
 */
export interface TradingDesk {
  users: {
    /** null for an unknown email or a wrong password (same cost either way). */
    authenticate(email: string, password: string): Promise<UserView | null>;
    get(userId: string): Promise<UserView | null>;
    /** The same email match as sign-in (case-insensitive), for operators' scripts. */
    findByEmail(email: string): Promise<UserView | null>;
  };
  accounts: {
    list(userId: string): Promise<AccountView[]>;
    /** Verified with one signed read, then stored with its keys encrypted; keys never come back. */
    add(userId: string, command: AddExchangeAccountCommand): Promise<AccountView>;
    rename(userId: string, command: RenameExchangeAccountCommand): Promise<AccountView>;
    /** Refused while it has open positions or orders; another user's account is not found. */
    remove(userId: string, accountId: string): Promise<{ id: string }>;
  };
  market: {
    /** The symbols an account's exchange trades, with their filters; another user's account is not found. */
    symbols(userId: string, accountId: string): Promise<SymbolsView>;
    /** A symbol's mark price on the account's exchange (the order form's value preview). */
    quote(userId: string, accountId: string, symbol: string): Promise<QuoteView>;
  };
  balances: {
    read(userId: string): Promise<BalancesRead>;
  };
  orders: {
    create(userId: string, command: CreateOrderCommand): Promise<CreateOrderResult>;
    list(userId: string, query: ListOrdersQuery): Promise<OrderPage>;
    /** One order, or all open orders of a symbol on an account (never EXTERNAL ones). */
    cancel(userId: string, command: CancelOrdersCommand): Promise<CancelOrdersResult>;
    /** Live and unsettled orders, newest first. */
    open(userId: string): Promise<OpenOrdersView>;
    /** Orders that filled (some or all), newest first. */
    trades(userId: string, query: ListOrdersQuery): Promise<OrderPage>;
  };
  positions: {
    close(userId: string, command: ClosePositionCommand): Promise<ClosePositionResult>;
    modifySlTp(userId: string, command: ModifySlTpCommand): Promise<ModifySlTpResult>;
    /** Closed positions with their realized PnL, most recently closed first. */
    closed(userId: string, query: ClosedPositionsQuery): Promise<PositionPage>;
  };
  /** Realized PnL, fees and volume per UTC day (README: the history's freshness). */
  history: {
    daily(userId: string, query: DailyPnlQuery): Promise<DailyPnlView>;
    /** The same range's totals. */
    summary(userId: string, query: DailyPnlQuery): Promise<HistorySummaryView>;
    /** The symbols the user has history in, once each: those listed now and those delisted since. */
    symbols(userId: string): Promise<HistorySymbolsView>;
  };
  cache: {
    metrics(): CacheMetrics;
    /** Only this user's entries; returns how many were removed. */
    invalidate(userId: string, dataType?: string): Promise<number>;
  };
  /** Fires after a user's cached data was invalidated (mutation, exchange event, manual). */
  onUserDataChanged(listener: UserDataChangedListener): Unsubscribe;
  /**
   * Mark prices for the symbols of the user's open positions, batched to at most one call
   * per `throttleMs`. Follows the positions as they open and close.
   */
  watchMarkPrices(
    userId: string,
    listener: (prices: Record<string, DecimalString>, at: Date) => void,
  ): Promise<MarkPriceWatch>;
  accountEvents: {
    /** Subscribes to every account's exchange events and applies them. */
    start(): Promise<void>;
    stop(): void;
  };
  /** Makes the record follow the exchange: at start-up, on a schedule, and when asked. */
  reconciler: Reconciler;
}
