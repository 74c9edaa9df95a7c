import type { AppRouter } from "@tradedesk/api";
import { createTRPCClient, httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import { EventSource } from "eventsource";

/** A tRPC client as the web app builds it: batched HTTP with the bearer token, SSE for subscriptions. */
export function createClient(url: string, token?: string) {
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          connectionParams: () => (token ? { token } : {}),
        }),
        false: httpBatchLink({
          url: `${url}/trpc`,
          headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
        }),
      }),
    ],
  });
}
