import type Decimal from "decimal.js";
import type { MarkPriceTick, Unsubscribe } from "../gateway.ts";
import type { BinanceLogger } from "./rest-client.ts";
import { openReconnectingSocket, type ReconnectingSocket } from "./socket.ts";
import { toMarkPriceTicks } from "./wire.ts";

const ALL_MARK_PRICES_STREAM = "!markPrice@arr@1s";

/**
 * The last mark price known per symbol, from any source (streams, REST, position snapshots):
 * what the user stream needs to value a position built from ACCOUNT_UPDATE.
 */
export interface MarkMemory {
  /** A streamed tick, kept unless a newer streamed one is known. */
  remember(tick: MarkPriceTick): void;
  /** A REST or snapshot price. */
  set(symbol: string, price: Decimal): void;
  get(symbol: string): Decimal | null;
}

export function createMarkMemory(): MarkMemory {
  const lastMark = new Map<string, Decimal>();
  const lastMarkAt = new Map<string, number>(); // event time of the streamed mark in lastMark
  return {
    remember(tick) {
      if ((lastMarkAt.get(tick.symbol) ?? Number.NEGATIVE_INFINITY) > tick.at) return;
      lastMarkAt.set(tick.symbol, tick.at);
      lastMark.set(tick.symbol, tick.markPrice);
    },
    set: (symbol, price) => {
      lastMark.set(symbol, price);
    },
    get: (symbol) => lastMark.get(symbol) ?? null,
  };
}

export interface MarketStreams {
  subscribeMarkPrices(symbols: readonly string[], listener: (tick: MarkPriceTick) => void): Unsubscribe;
  subscribeAllMarkPrices(listener: (tick: MarkPriceTick) => void): Unsubscribe;
  /** Resolves once every open market socket is connected. */
  ready(): Promise<void>;
  close(): void;
}

/** Binance's market streams: per-symbol mark prices, and the all-market one (shared). */
export function createMarketStreams(options: {
  wsBaseUrl: string;
  marks: MarkMemory;
  logger?: BinanceLogger | undefined;
}): MarketStreams {
  const { wsBaseUrl, marks, logger } = options;
  const sockets = new Set<ReconnectingSocket>();
  let allMarks: AllMarkPrices | null = null;

  interface AllMarkPrices {
    /** Entries, not the functions: one listener subscribed twice is two subscriptions. */
    listeners: Set<{ listener: (tick: MarkPriceTick) => void }>;
    socket: ReconnectingSocket;
  }

  /** Binance's all-market mark price stream: every symbol's mark each second, as one array. */
  function startAllMarkPrices(): AllMarkPrices {
    const listeners: AllMarkPrices["listeners"] = new Set();
    const inOrder = inOrderPerSymbol();
    const socket = openReconnectingSocket({
      name: "markPrice:all",
      ...(logger ? { logger } : {}),
      url: async () => `${wsBaseUrl}/market/stream?streams=${ALL_MARK_PRICES_STREAM}`,
      onMessage: (message) => {
        for (const tick of toMarkPriceTicks(message)) {
          if (!inOrder(tick)) continue;
          marks.remember(tick);
          for (const { listener } of [...listeners]) {
            try {
              listener(tick);
            } catch (error) {
              // One subscriber's failure must not starve the others (the price feed, the desk).
              logger?.warn({ stream: "markPrice:all", error: String(error) }, "mark price listener failed");
            }
          }
        }
      },
    });
    sockets.add(socket);
    return { listeners, socket };
  }

  return {
    subscribeMarkPrices(symbols, listener) {
      const wanted = [...new Set(symbols)];
      if (wanted.length === 0) return () => {};
      const streams = wanted.map((s) => `${s.toLowerCase()}@markPrice@1s`).join("/");
      const inOrder = inOrderPerSymbol();
      const socket = openReconnectingSocket({
        name: `markPrice:${wanted.join(",")}`,
        ...(logger ? { logger } : {}),
        url: async () => `${wsBaseUrl}/market/stream?streams=${streams}`,
        onMessage: (message) => {
          for (const tick of toMarkPriceTicks(message)) {
            if (!inOrder(tick)) continue;
            marks.remember(tick);
            listener(tick);
          }
        },
      });
      sockets.add(socket);
      return () => {
        socket.close();
        sockets.delete(socket);
      };
    },

    subscribeAllMarkPrices(listener) {
      // One all-market socket per gateway, however many subscribers; closed when the last leaves.
      if (!allMarks) allMarks = startAllMarkPrices();
      const current = allMarks;
      const entry = { listener };
      current.listeners.add(entry);
      return () => {
        current.listeners.delete(entry);
        if (current.listeners.size === 0 && allMarks === current) {
          current.socket.close();
          sockets.delete(current.socket);
          allMarks = null;
        }
      };
    },

    async ready() {
      await Promise.all([...sockets].map((socket) => socket.ready()));
    },

    close() {
      for (const socket of sockets) socket.close();
      sockets.clear();
      allMarks?.listeners.clear();
      allMarks = null;
    },
  };
}

/**
 * A filter that passes a symbol's tick unless an older event time than the last one passed for
 * that symbol: a late tick (after a reconnect, or from a lagging server) never moves a price back.
 */
function inOrderPerSymbol(): (tick: MarkPriceTick) => boolean {
  const lastAt = new Map<string, number>();
  return (tick) => {
    const last = lastAt.get(tick.symbol);
    if (last !== undefined && tick.at < last) return false;
    lastAt.set(tick.symbol, tick.at);
    return true;
  };
}
