import type { Exchange } from "@tradedesk/db";
import { BALANCES_SUMMARY } from "../cache/index.ts";
import type { QuotedPrice } from "../market/index.ts";
import {
  type BalancesSnapshot,
  loadBalancesSnapshot,
  RECENTLY_CLOSED_WINDOW_MS,
  type SnapshotProtection,
} from "./balances-snapshot.ts";
import type { DeskDeps } from "./deps.ts";
import { markToMarket, totalsAtMarks } from "./mark-to-market.ts";
import { sum, toWire } from "./money.ts";
import { positionBasics } from "./presenters.ts";
import type {
  BalancesRead,
  BalancesSummaryView,
  PositionView,
  ProtectionView,
  RecentlyClosedView,
} from "./views.ts";

const TOTALS_CURRENCY = "USDT";

export interface BalancesOptions {
  /** Serve the last snapshot, marked stale, for this long when the exchange fails. */
  staleIfErrorMs?: number;
}

export function createBalancesService(deps: DeskDeps, options: BalancesOptions = {}) {
  return {
    /** The structural part through the cache, prices fresh on every call. */
    async read(userId: string): Promise<BalancesRead> {
      const cached = await deps.cache.getOrLoad<BalancesSnapshot>(
        userId,
        BALANCES_SUMMARY,
        () => loadBalancesSnapshot(deps, userId),
        options.staleIfErrorMs ? { staleIfErrorMs: options.staleIfErrorMs } : undefined,
      );
      const now = deps.now();
      const data = await withMarkPrices(deps, cached.value, now);
      return {
        data,
        fromCache: cached.fromCache,
        asOf: new Date(cached.storedAt).toISOString(),
        ageMs: cached.ageMs ?? Math.max(0, now.getTime() - cached.storedAt),
        stale: cached.stale ?? false,
      };
    },
  };
}

/** Overlays the feed's mark prices and unrealized PnL on a snapshot: no request weight per read. */
export async function withMarkPrices(
  deps: DeskDeps,
  snapshot: BalancesSnapshot,
  now: Date,
): Promise<BalancesSummaryView> {
  const symbolsByExchange = new Map<Exchange, Set<string>>();
  for (const position of snapshot.positions) {
    const symbols = symbolsByExchange.get(position.exchange) ?? new Set<string>();
    symbols.add(position.symbol);
    symbolsByExchange.set(position.exchange, symbols);
  }
  const marks = new Map<string, Map<string, QuotedPrice>>();
  await Promise.all(
    [...symbolsByExchange].map(async ([exchange, symbols]) => {
      marks.set(exchange, await deps.prices(exchange).quotes(symbols));
    }),
  );

  // The snapshot may come from the cache (stale-if-error serves it for a while): the window moves.
  const closedSince = now.getTime() - RECENTLY_CLOSED_WINDOW_MS;
  const recentlyClosed = snapshot.recentlyClosed
    .filter((position) => position.closedAt.getTime() >= closedSince)
    .map(
      (position): RecentlyClosedView => ({
        positionId: position.id,
        accountId: position.accountId,
        symbol: position.symbol,
        side: position.side,
        quantity: toWire(position.quantity),
        closedBy: position.closedBy,
        closedAt: position.closedAt.toISOString(),
        realizedPnl: toWire(position.realizedPnl),
      }),
    );

  const walletBalance = sum(
    snapshot.accounts.flatMap((account) =>
      account.balances.filter((balance) => balance.asset === TOTALS_CURRENCY).map((b) => b.walletBalance),
    ),
  );
  const summary: BalancesSummaryView = {
    accounts: snapshot.accounts.map((account) => ({
      id: account.id,
      exchange: account.exchange,
      label: account.label,
      testnet: account.testnet,
      balances: account.balances.map((balance) => ({
        asset: balance.asset,
        walletBalance: toWire(balance.walletBalance),
        availableBalance: toWire(balance.availableBalance),
      })),
    })),
    // Unpriced until marked to market below (a symbol the exchange has no price for stays so).
    positions: snapshot.positions.map(
      (position): PositionView => ({
        ...positionBasics(position),
        stopLoss: presentProtection(position.stopLoss),
        takeProfit: presentProtection(position.takeProfit),
        markPrice: null,
        markPriceAgeMs: null,
        markPriceStale: false,
        unrealizedPnl: null,
        notional: null,
        externalOrders: position.externalOrders,
      }),
    ),
    totals: totalsAtMarks({ currency: TOTALS_CURRENCY, walletBalance: toWire(walletBalance) }, []),
    recentlyClosed,
    pricesAt: now.toISOString(),
    pricesStale: false,
  };
  const quotes = new Map(
    snapshot.positions.map((position) => [position.id, marks.get(position.exchange)?.get(position.symbol)]),
  );
  return markToMarket(summary, (position) => quotes.get(position.id), summary.pricesAt);
}

function presentProtection(protection: SnapshotProtection | null): ProtectionView | null {
  if (!protection) return null;
  return {
    orderId: protection.orderId,
    clientOrderId: protection.clientOrderId,
    triggerPrice: toWire(protection.triggerPrice),
  };
}
