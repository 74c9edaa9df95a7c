import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCLink,
} from "@trpc/client";
import type { AnyRouter } from "@trpc/server";
import { EventSource } from "eventsource";

/**
 * A tRPC client as the web app builds it: batched HTTP with an Authorization header, and
 * subscriptions over SSE carrying the token as a connection param (EventSource sends no headers).
 */
export function createTestClient<TRouter extends AnyRouter>(
  url: string,
  auth: { authorization?: string; token?: string } = {},
) {
  // Built for any router (none of ours uses a transformer), then typed for the one under test.
  const link = splitLink<AnyRouter>({
    condition: (op) => op.type === "subscription",
    true: httpSubscriptionLink<AnyRouter, typeof EventSource>({
      url: `${url}/trpc`,
      EventSource,
      connectionParams: () => (auth.token ? { token: auth.token } : {}),
    }),
    false: httpBatchLink<AnyRouter>({
      url: `${url}/trpc`,
      headers: () => (auth.authorization ? { authorization: auth.authorization } : {}),
    }),
  });
  return createTRPCClient<TRouter>({ links: [link as unknown as TRPCLink<TRouter>] });
}
