import type { AppRouter } from "@tradedesk/api";
import { httpBatchLink, httpSubscriptionLink, retryLink, splitLink } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";

export const trpc = createTRPCReact<AppRouter>();

/** Same origin: Vite proxies /trpc in development, the server serves both in production. */
const TRPC_URL = "/trpc";

export function createTrpcClient() {
  return trpc.createClient({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: [
          // EventSource gives up for good on an HTTP error (a proxy's 502/503 while the server
          // restarts): start the stream again, so the tab keeps hearing of changes.
          retryLink({
            retry: ({ error }) => error.data?.code !== "UNAUTHORIZED",
            retryDelayMs: (attempt) => Math.min(1_000 * attempt, 5_000),
          }),
          // Same origin: EventSource sends the session cookie, so no token travels in the URL.
          httpSubscriptionLink({ url: TRPC_URL }),
        ],
        false: httpBatchLink({
          url: TRPC_URL,
          // The server refuses a batch of more than 16 calls (maxBatchSize): never send one.
          maxItems: 16,
          // The session cookie signs every call in (fetch sends it same-origin).
        }),
      }),
    ],
  });
}
