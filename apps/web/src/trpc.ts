import type { AppRouter } from "@tradedesk/api";
import { httpBatchLink, httpSubscriptionLink, splitLink } from "@trpc/client";
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
        // EventSource cannot send headers: the token travels as a connection param.
        true: httpSubscriptionLink({
          url: TRPC_URL,
          connectionParams: () => {
            const token = getToken();
            return token ? { token } : {};
          },
        }),
        false: httpBatchLink({
          url: TRPC_URL,
          headers: () => {
            const token = getToken();
            return token ? { authorization: `Bearer ${token}` } : {};
          },
        }),
      }),
    ],
  });
}
