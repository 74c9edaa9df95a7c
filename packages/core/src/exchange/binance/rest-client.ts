import {
  ExchangeBannedError,
  ExchangeRateLimitedError,
  ExchangeRejectedError,
  ExchangeUnavailableError,
} from "../errors.ts";
import type { ExchangeCredentials } from "../gateway.ts";
import { signQuery } from "./sign.ts";
import type { WeightBudget, WeightPriority } from "./weight-budget.ts";

export interface BinanceLogger {
  debug(obj: object, msg: string): void;
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

/** Binance's endpoint security types: NONE (public), USER_STREAM (API key only), SIGNED. */
export type Security = "NONE" | "USER_STREAM" | "SIGNED";

export interface BinanceRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  path: string;
  params?: Record<string, string | undefined>;
  /** The endpoint's IP request weight, reserved from the budget before sending. */
  weight: number;
  /** Whose request it is when the budget runs low; default "trade". */
  priority?: WeightPriority;
  security: Security;
  credentials?: () => ExchangeCredentials;
}

export interface BinanceRestClient {
  request<T = unknown>(request: BinanceRequest): Promise<T>;
}

/** The request went out and Binance's answer is unknown (5xx, timeout, dropped connection). */
export class BinanceUnknownOutcomeError extends ExchangeUnavailableError {
  override readonly name: string = "BinanceUnknownOutcomeError";
  /**
   * A signed request's timestamp + recvWindow: Binance rejects the request if it has not
   * processed it by then, so only after that is "not found" final. Null for unsigned requests.
   */
  readonly expiresAt: number | null;
  constructor(message: string, options: { cause?: unknown; expiresAt?: number | null } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.expiresAt = options.expiresAt ?? null;
  }
}

export interface RestClientOptions {
  baseUrl: string;
  recvWindowMs: number;
  timeoutMs: number;
  budget: WeightBudget;
  fetch: typeof fetch;
  now: () => number;
  logger?: BinanceLogger;
}

/**
 * A thin Binance REST client on fetch: signs, sends every parameter in the query string (what
 * is signed is exactly what is sent), reserves weight first, and turns HTTP outcomes into our
 * typed errors. Responses are parsed with JSON.parse; every amount Binance sends is a decimal
 * string and stays one until the caller turns it into a Decimal.
 * Logs carry method, path, status and weight only: never the query (it holds the signature),
 * headers or credentials.
 */
export function createBinanceRestClient(options: RestClientOptions): BinanceRestClient {
  const { baseUrl, recvWindowMs, timeoutMs, budget, now, logger } = options;
  const doFetch = options.fetch;

  return {
    async request<T>(req: BinanceRequest): Promise<T> {
      const params = new URLSearchParams();
      for (const [key, value] of Object.entries(req.params ?? {})) {
        if (value !== undefined) params.append(key, value);
      }
      const headers: Record<string, string> = {};
      let expiresAt: number | null = null;
      if (req.security !== "NONE") {
        if (!req.credentials) throw new ExchangeRejectedError(`${req.path} needs exchange API credentials`);
        const credentials = req.credentials();
        headers["X-MBX-APIKEY"] = credentials.apiKey;
        if (req.security === "SIGNED") {
          const timestamp = now();
          expiresAt = timestamp + recvWindowMs;
          params.append("recvWindow", String(recvWindowMs));
          params.append("timestamp", String(timestamp));
          const query = params.toString();
          params.append("signature", signQuery(query, credentials.apiSecret));
        }
      }

      await budget.acquire(req.weight, req.priority);

      const query = params.toString();
      const url = `${baseUrl}${req.path}${query ? `?${query}` : ""}`;
      const controller = new AbortController();
      // A plain timer (not AbortSignal.timeout) so tests can drive it with fake timers.
      const timer = setTimeout(() => controller.abort(), timeoutMs);
      const sentAt = now();
      let response: Response;
      let text: string;
      try {
        response = await doFetch(url, { method: req.method, headers, signal: controller.signal });
        text = await response.text();
      } catch (error) {
        logger?.warn(
          { method: req.method, path: req.path, error: describe(error) },
          "binance request failed",
        );
        throw new BinanceUnknownOutcomeError(
          controller.signal.aborted
            ? `Binance did not answer ${req.method} ${req.path} within ${timeoutMs} ms`
            : `Binance could not be reached for ${req.method} ${req.path}`,
          { cause: error, expiresAt },
        );
      } finally {
        clearTimeout(timer);
      }

      const usedWeight1m = headerNumber(response.headers.get("x-mbx-used-weight-1m"));
      const retryAfterSeconds = headerNumber(response.headers.get("retry-after"));
      budget.observe({ status: response.status, usedWeight1m, retryAfterSeconds, sentAt });
      logger?.debug(
        { method: req.method, path: req.path, status: response.status, weight: req.weight, usedWeight1m },
        "binance request",
      );

      if (response.ok) return (text ? JSON.parse(text) : null) as T;

      const body = parseError(text);
      if (response.status === 418) {
        const retryAfterMs = budget.state().bannedUntil;
        throw new ExchangeBannedError(
          `Binance banned this IP (418): ${body.msg}`,
          retryAfterMs === null ? 0 : retryAfterMs - now(),
        );
      }
      if (response.status === 429) {
        const until = budget.state().backoffUntil;
        throw new ExchangeRateLimitedError(
          `Binance rate limit (429): ${body.msg}`,
          until === null ? 0 : until - now(),
        );
      }
      if (response.status >= 500 || response.status === 408) {
        // Binance: 5xx / 408 (backend timeout) mean "the execution status is UNKNOWN and could
        // have been a success".
        throw new BinanceUnknownOutcomeError(`Binance answered ${response.status}: ${body.msg}`, {
          expiresAt,
        });
      }
      throw new ExchangeRejectedError(`Binance rejected ${req.method} ${req.path}: ${body.msg}`, body.code);
    },
  };
}

function headerNumber(value: string | null): number | null {
  if (value === null || value.trim() === "") return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function parseError(text: string): { code?: number; msg: string } {
  try {
    const parsed = JSON.parse(text) as { code?: unknown; msg?: unknown };
    return {
      ...(typeof parsed.code === "number" ? { code: parsed.code } : {}),
      msg: typeof parsed.msg === "string" ? parsed.msg : text.slice(0, 200),
    };
  } catch {
    return { msg: text.slice(0, 200) || "no body" };
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
