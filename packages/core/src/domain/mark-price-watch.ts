import type { Exchange } from "@tradedesk/db";
import type { Unsubscribe } from "../exchange/gateway.ts";
import type { DeskDeps } from "./deps.ts";
import { toWire } from "./money.ts";
import type { DecimalString } from "./views.ts";

/** Stops the watch; `settled()` resolves once it follows the user's current positions. */
export type MarkPriceWatch = Unsubscribe & { settled(): Promise<void> };

export interface MarkPriceWatchOptions {
  /** At most one batch per this many ms; 0 sends every tick at once. */
  throttleMs: number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/**
 * Streams mark prices for the symbols of a user's open positions, batched, and re-subscribes
 * when the user's positions change (the desk's data-changed signal).
 */
export async function watchMarkPrices(
  deps: DeskDeps,
  options: MarkPriceWatchOptions & {
    userId: string;
    /** The desk's data-changed signal: the watch follows the user's positions through it. */
    onUserDataChanged: (listener: (changedUserId: string | null) => void) => Unsubscribe;
    listener: (prices: Record<string, DecimalString>, at: Date) => void;
  },
): Promise<MarkPriceWatch> {
  const { userId, onUserDataChanged, listener } = options;
  let feeds: Unsubscribe[] = [];
  let pending: Record<string, DecimalString> = {};
  let timer: unknown = null;
  let stopped = false;
  let watchedKey = "";

  const flush = () => {
    timer = null;
    if (stopped || Object.keys(pending).length === 0) return;
    const batch = pending;
    pending = {};
    listener(batch, deps.now());
  };

  async function follow(): Promise<void> {
    const open = await deps.prisma.position.findMany({
      where: { status: "OPEN", account: { userId } },
      select: { symbol: true, account: { select: { exchange: true } } },
    });
    const byExchange = new Map<Exchange, Set<string>>();
    for (const position of open) {
      const symbols = byExchange.get(position.account.exchange) ?? new Set<string>();
      symbols.add(position.symbol);
      byExchange.set(position.account.exchange, symbols);
    }
    const key = JSON.stringify(
      [...byExchange].map(([exchange, symbols]) => [exchange, [...symbols].sort()]).sort(),
    );
    if (stopped || key === watchedKey) return;
    watchedKey = key;
    for (const unsubscribe of feeds) unsubscribe();
    // The process's one feed per exchange: no stream per tab or per user.
    feeds = [...byExchange].flatMap(([exchange, symbols]) => {
      if (!deps.gateways[exchange]) return [];
      return [
        deps.prices(exchange).onTick((tick) => {
          if (!symbols.has(tick.symbol)) return;
          pending[tick.symbol] = toWire(tick.markPrice);
          if (options.throttleMs <= 0) flush();
          else timer ??= options.setTimeout(flush, options.throttleMs);
        }),
      ];
    });
  }

  let following = follow();
  await following;
  const stopFollowing = onUserDataChanged((changedUserId) => {
    if (changedUserId !== null && changedUserId !== userId) return;
    following = following
      .then(follow)
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, userId }, "re-subscribing mark prices failed"),
      );
  });
  const stop = () => {
    stopped = true;
    stopFollowing();
    if (timer !== null) options.clearTimeout(timer);
    for (const unsubscribe of feeds) unsubscribe();
    feeds = [];
  };
  return Object.assign(stop, { settled: () => following });
}
