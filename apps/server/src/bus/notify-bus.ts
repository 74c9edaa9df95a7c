import type { PGlite } from "@electric-sql/pglite";
import type { InvalidationBus, InvalidationMessage } from "@tradedesk/core";
import pg from "pg";
import { z } from "zod";

/**
 * Invalidations over PostgreSQL LISTEN/NOTIFY, for the embedded database: the server and the
 * scripts that reach it through its local socket (embedded/embedded-socket.ts). The script
 * NOTIFYs on its connection; the server hears it off its socket's stream and drops the entries
 * (its tabs get "your data changed", as with the Redis bus).
 */
export const NOTIFY_CHANNEL = "tradedesk_cache_invalidations";

const messageSchema = z.object({
  origin: z.string().min(1),
  userId: z.string().nullable(),
  dataType: z.string().nullable(),
});

function parse(raw: string): InvalidationMessage | null {
  try {
    const parsed = messageSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The server's side, on its own PGlite; `deliver` is fed the socket clients' notifications. */
export interface EmbeddedNotifyBus extends InvalidationBus {
  deliver(channel: string, payload: string): void;
}

export async function createEmbeddedNotifyBus(
  pglite: PGlite,
  onInvalidMessage: (raw: string) => void = () => {},
): Promise<EmbeddedNotifyBus> {
  const handlers = new Set<(message: InvalidationMessage) => void>();
  const deliver = (channel: string, payload: string) => {
    if (channel !== NOTIFY_CHANNEL) return;
    const message = parse(payload);
    if (!message) return onInvalidMessage(payload);
    for (const handler of handlers) handler(message);
  };
  // LISTEN on PGlite's one session: that is what makes PostgreSQL emit a socket client's NOTIFY.
  const unlisten = await pglite.listen(NOTIFY_CHANNEL, (payload) => deliver(NOTIFY_CHANNEL, payload));
  return {
    deliver,
    async publish(message) {
      await pglite.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, JSON.stringify(message)]);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
      await unlisten().catch(() => {});
    },
  };
}

/** A script's side: NOTIFY on a connection of its own to the server's socket. */
export async function createPgNotifyBus(connectionString: string): Promise<InvalidationBus> {
  const client = new pg.Client({ connectionString });
  client.on("error", () => {}); // the next publish reports it
  await client.connect();
  const handlers = new Set<(message: InvalidationMessage) => void>();
  return {
    async publish(message) {
      await client.query("SELECT pg_notify($1, $2)", [NOTIFY_CHANNEL, JSON.stringify(message)]);
    },
    subscribe(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    async close() {
      handlers.clear();
      await client.end();
    },
  };
}
