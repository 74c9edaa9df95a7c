import WebSocket from "ws";
import type { BinanceLogger } from "./rest-client.ts";

export interface ReconnectingSocket {
  /** Drops the connection and connects again (asking `url` anew). */
  restart(): void;
  /** Resolves once the socket is open (at once if it is). */
  ready(): Promise<void>;
  close(): void;
}

const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 30_000;

/**
 * A WebSocket that reconnects with exponential back-off until closed. Binance drops every
 * connection after 24 h and on maintenance, so a stream that does not reconnect goes quiet.
 * `url` is asked again on every (re)connect: the user stream needs a fresh listenKey.
 * Retry timers are unref'd so an idle stream never keeps the process alive.
 */
export function openReconnectingSocket(options: {
  url: () => Promise<string>;
  onMessage: (data: unknown) => void;
  /** Called when the socket opens again after it was down: messages in between are lost. */
  onReopen?: () => void;
  logger?: BinanceLogger;
  name: string;
}): ReconnectingSocket {
  const { url, onMessage, logger, name } = options;
  let openedBefore = false;
  let closed = false;
  let socket: WebSocket | null = null;
  let retryMs = FIRST_RETRY_MS;
  let retryTimer: NodeJS.Timeout | null = null;
  let openWaiters: (() => void)[] = [];

  function scheduleRetry(): void {
    if (closed || retryTimer) return;
    retryTimer = setTimeout(() => {
      retryTimer = null;
      void connect();
    }, retryMs);
    retryTimer.unref();
    retryMs = Math.min(retryMs * 2, MAX_RETRY_MS);
  }

  async function connect(): Promise<void> {
    let target: string;
    try {
      target = await url();
    } catch (error) {
      logger?.warn({ stream: name, error: String(error) }, "binance stream could not start");
      scheduleRetry();
      return;
    }
    if (closed) return;
    const ws = new WebSocket(target);
    socket = ws;
    ws.on("open", () => {
      retryMs = FIRST_RETRY_MS;
      const waiters = openWaiters;
      openWaiters = [];
      for (const wake of waiters) wake();
      logger?.debug({ stream: name }, "binance stream open");
      if (openedBefore) options.onReopen?.();
      openedBefore = true;
    });
    ws.on("message", (raw) => {
      let data: unknown;
      try {
        data = JSON.parse(raw.toString());
      } catch {
        logger?.warn({ stream: name }, "binance stream sent a non-JSON message");
        return;
      }
      try {
        onMessage(data);
      } catch (error) {
        logger?.warn({ stream: name, error: String(error) }, "binance stream message could not be handled");
      }
    });
    ws.on("error", (error) => logger?.warn({ stream: name, error: error.message }, "binance stream error"));
    ws.on("close", () => {
      if (socket === ws) socket = null;
      scheduleRetry();
    });
  }

  void connect();

  return {
    restart() {
      socket?.close();
    },
    ready() {
      if (socket?.readyState === WebSocket.OPEN) return Promise.resolve();
      return new Promise<void>((resolve) => openWaiters.push(resolve));
    },
    close() {
      closed = true;
      const waiters = openWaiters;
      openWaiters = [];
      for (const wake of waiters) wake();
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
      socket = null;
    },
  };
}
