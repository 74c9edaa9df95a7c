import type { Page, Route } from "playwright-core";
import { expect } from "vitest";
import { SAFETY_NET_MS } from "./safety-net.ts";

/**
 * Why a tab showed a change, not how fast (issue 18). The dashboard finds a change three ways: the
 * event stream's "your data changed" (an invalidation), a mutation's own invalidation, and the 5 s
 * poll. A test that claims one of the first two holds the poll (`holdBalancesPolling`) and reads
 * what happened in the page, in order (`recordCauses`), instead of racing the poll's clock.
 */

/**
 * Logs in the page, in the order it happened there: `event balances-changed <reason>` for each
 * "your data changed" the event stream delivers (before the app's own listener sees it), and
 * `sent <procedures>` / `answered <procedures>` for each tRPC call over fetch (a batch names all
 * of its procedures: `sent dashboard.balances,cache.metrics`). An init script wrapping EventSource
 * and fetch, so the app is not changed; call it before the page loads.
 */
export async function recordCauses(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const log: string[] = [];
    Object.defineProperty(window, "__causes", { value: log });
    const NativeEventSource = window.EventSource;
    window.EventSource = class extends NativeEventSource {
      constructor(url: string | URL, init?: EventSourceInit) {
        super(url, init);
        this.addEventListener("message", (message: MessageEvent<string>) => {
          try {
            const event = JSON.parse(message.data) as { type?: string; reason?: string };
            if (event.type === "balances-changed") log.push(`event balances-changed ${event.reason}`);
          } catch {
            // Not an event of the desk's.
          }
        });
      }
    };
    const nativeFetch = window.fetch.bind(window);
    window.fetch = async (input, init) => {
      const url = new URL(input instanceof Request ? input.url : String(input), location.href);
      if (!url.pathname.startsWith("/trpc/")) return nativeFetch(input, init);
      const procedures = url.pathname.slice("/trpc/".length);
      log.push(`sent ${procedures}`);
      const response = await nativeFetch(input, init);
      log.push(`answered ${procedures}`);
      return response;
    };
  });
}

/** What `recordCauses` logged in the page from entry `since` on. */
export function causes(page: Page, since = 0): Promise<string[]> {
  return page.evaluate((from) => (window as unknown as { __causes: string[] }).__causes.slice(from), since);
}

/** A tRPC call (one or a batch) that reads the balances summary: the 5 s poll, or a refetch. */
const BALANCES_CALL = /\/trpc\/[^?]*\bdashboard\.balances\b/;
export const isBalancesFetch = (cause: string) => /^sent \S*\bdashboard\.balances\b/.test(cause);

/**
 * That the first balances fetch the page sent from cause `since` on followed a "your data changed"
 * the stream delivered (a change, not the stream's first word, "subscribed"). Several may come
 * before it: two changes close together (another server's restart drops every cache: "all data
 * changed", then the order's) are one refetch.
 */
export async function expectRefetchedOnPush(page: Page, since: number): Promise<void> {
  const seen = (await causes(page, since)).filter((c) => c.startsWith("event ") || isBalancesFetch(c));
  const fetched = seen.findIndex(isBalancesFetch);
  expect(fetched, `a balances fetch after cause ${since}: ${seen.join(" | ")}`).toBeGreaterThan(0);
  expect(seen.slice(0, fetched)).toContainEqual(
    expect.stringMatching(/^event balances-changed (?!subscribed)/),
  );
}

/**
 * Holds the tab's next `dashboard.balances` call unanswered, and with it the 5 s poll: TanStack
 * Query starts no poll, focus or mount refetch while that query's fetch is in flight; only an
 * invalidation (it cancels the fetch in flight) fetches again. So until `release`, new balances on
 * screen came from an invalidation: the event stream's or a mutation's. Resolves once a call is
 * held, with `since`: how many causes the page had logged then.
 */
export async function holdBalancesPolling(page: Page): Promise<{ since: number; release(): Promise<void> }> {
  let held: Route | undefined;
  let onHeld = () => {};
  const isHeld = new Promise<void>((resolve) => {
    onHeld = resolve;
  });
  const handler = async (route: Route) => {
    if (held) return route.fallback();
    held = route;
    onHeld();
  };
  await page.route(BALANCES_CALL, handler);
  await withSafetyNet(isHeld, "the tab's next dashboard.balances call");
  // From the last balances call sent (the held one, or a refetch that a change arriving meanwhile
  // sent in its place) on: every balances fetch after it was an invalidation's.
  const log = await causes(page);
  return {
    since: log.findLastIndex(isBalancesFetch) + 1,
    async release() {
      await page.unroute(BALANCES_CALL, handler);
      await held?.fallback().catch(() => {}); // the page may have cancelled it already
    },
  };
}

async function withSafetyNet<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`waited ${SAFETY_NET_MS} ms for ${what}`)), SAFETY_NET_MS);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
