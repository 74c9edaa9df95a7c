import type { AccountEvent, ExchangeAccountRef, ExchangeCredentials, Unsubscribe } from "../gateway.ts";
import type { MarkMemory } from "./market-streams.ts";
import type { BinanceLogger, BinanceRestClient } from "./rest-client.ts";
import { openReconnectingSocket, type ReconnectingSocket } from "./socket.ts";
import { toAccountEvents } from "./user-events.ts";

export interface UserStreams {
  /** The account's events; one stream (one listenKey) per account, however many subscribers. */
  subscribe(account: ExchangeAccountRef, listener: (event: AccountEvent) => void): Unsubscribe;
  /** Resolves once every open user stream is connected. */
  ready(): Promise<void>;
  close(): void;
}

interface UserStream {
  listeners: Set<(event: AccountEvent) => void>;
  socket: ReconnectingSocket;
  keepAlive: NodeJS.Timeout;
}

/**
 * Binance's user-data streams: a listenKey per account (created, kept alive every 30 minutes,
 * renewed when Binance expires it), its socket reconnecting, and `stream-restarted` when it comes
 * back after a drop (events in between are lost: the desk reconciles the account).
 */
export function createUserStreams(options: {
  rest: BinanceRestClient;
  wsBaseUrl: string;
  listenKeyWeight: number;
  keepAliveMs: number;
  now: () => number;
  credentialsOf: (account: ExchangeAccountRef) => () => ExchangeCredentials;
  /** Leverage of a symbol's position, as the last snapshot said (ACCOUNT_UPDATE does not). */
  leverageOf: (accountId: string, symbol: string) => number;
  marks: MarkMemory;
  logger?: BinanceLogger | undefined;
}): UserStreams {
  const { rest, wsBaseUrl, now, logger } = options;
  const streams = new Map<string, UserStream>();

  function start(account: ExchangeAccountRef): UserStream {
    const listenKeyRequest = {
      path: "/fapi/v1/listenKey",
      weight: options.listenKeyWeight,
      security: "USER_STREAM" as const,
      credentials: options.credentialsOf(account),
    };
    const listeners = new Set<(event: AccountEvent) => void>();
    const context = {
      accountId: account.id,
      leverageOf: (symbol: string) => options.leverageOf(account.id, symbol),
      markPriceOf: (symbol: string) => options.marks.get(symbol),
      triggered: new Set<string>(),
      orders: new Map(),
    };
    const socket = openReconnectingSocket({
      name: `user:${account.id}`,
      ...(logger ? { logger } : {}),
      // POST returns the account's active listenKey (or a new one) and extends it.
      url: async () => {
        const { listenKey } = await rest.request<{ listenKey: string }>({
          method: "POST",
          ...listenKeyRequest,
        });
        return `${wsBaseUrl}/private/ws/${listenKey}`;
      },
      // Events sent while the stream was down are gone: the desk reconciles the account.
      onReopen: () => {
        const event: AccountEvent = { type: "stream-restarted", accountId: account.id, at: now() };
        for (const listener of listeners) listener(event);
      },
      onMessage: (message) => {
        if ((message as { e?: unknown }).e === "listenKeyExpired") {
          socket.restart();
          return;
        }
        for (const event of toAccountEvents(message, context)) {
          for (const listener of listeners) listener(event);
        }
      },
    });
    const keepAlive = setInterval(() => {
      rest.request({ method: "PUT", ...listenKeyRequest }).catch((error: unknown) => {
        logger?.warn(
          { accountId: account.id, error: String(error) },
          "listenKey keep-alive failed; restarting",
        );
        socket.restart();
      });
    }, options.keepAliveMs);
    keepAlive.unref();
    return { listeners, socket, keepAlive };
  }

  return {
    subscribe(account, listener) {
      let stream = streams.get(account.id);
      if (!stream) {
        try {
          stream = start(account);
        } catch (error) {
          // One misconfigured account (no keys, other environment) must not stop the others' streams.
          logger?.warn({ accountId: account.id, error: String(error) }, "no account events for this account");
          return () => {};
        }
        streams.set(account.id, stream);
      }
      stream.listeners.add(listener);
      const current = stream;
      return () => {
        current.listeners.delete(listener);
        if (current.listeners.size === 0 && streams.get(account.id) === current) {
          clearInterval(current.keepAlive);
          current.socket.close();
          streams.delete(account.id);
        }
      };
    },
    async ready() {
      await Promise.all([...streams.values()].map((stream) => stream.socket.ready()));
    },
    close() {
      for (const stream of streams.values()) {
        clearInterval(stream.keepAlive);
        stream.socket.close();
      }
      streams.clear();
    },
  };
}
