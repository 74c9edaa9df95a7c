import type { AppRouter } from "@tradedesk/api";
import { httpBatchLink, httpSubscriptionLink, retryLink, splitLink } from "@trpc/client";
import { createTRPCReact } from "@trpc/react-query";
import { getToken } from "./session.ts";

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
          // EventSource cannot send headers: the token travels as a connection param.
          httpSubscriptionLink({
            url: TRPC_URL,
            connectionParams: () => {
              const token = getToken();
              return token ? { token } : {};
            },
          }),
        ],
        false: httpBatchLink({
          url: TRPC_URL,
          // The server refuses a batch of more than 16 calls (maxBatchSize): never send one.
          maxItems: 16,
          headers: () => {
            const token = getToken();
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
}
