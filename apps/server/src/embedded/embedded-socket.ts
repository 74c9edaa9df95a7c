import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";

/**
 * The embedded database served on a local (Unix) socket, so that `pnpm report:balances` and
 * `pnpm cache:invalidate` can run beside a running server: PGlite is one process's, its folder is
 * locked while the server has it open, so they open it through the server instead, with a
 * postgres:// URL. The socket lives in `<dataDir>.socket/` (mode 0700: this user only; PGlite has
 * no passwords), with `server.json` naming the process; both go when the server closes.
 */
export const SOCKET_FILE = ".s.PGSQL.5432";

export function socketDirOf(dataDir: string): string {
  return `${dataDir}.socket`;
}

/** node-postgres reads a socket directory from `host`; the database and user are PGlite's. */
export function socketUrlOf(socketDir: string): string {
  return `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`;
}

export interface EmbeddedSocket {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves `pglite` on `<dataDir>.socket/`. `onNotification` hears every NOTIFY that a socket client
 * sends: PGlite has one session, so PostgreSQL hands a notification back to the query that sent it
 * (the socket client's), never to PGlite's own `listen`; the server reads them off that stream.
 */
export async function serveEmbeddedSocket(options: {
  pglite: PGlite;
  dataDir: string;
  onNotification: (channel: string, payload: string) => void;
}): Promise<EmbeddedSocket> {
  const dir = socketDirOf(options.dataDir);
  // Left over by a server that died: the data directory's lock is ours now, so nobody uses it.
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { mode: 0o700 });
  const server = new PGLiteSocketServer({
    db: tapNotifications(options.pglite, options.onNotification),
    path: join(dir, SOCKET_FILE),
    // The default is one; a script opens a pool (queries still run one at a time on PGlite).
    maxConnections: 20,
  });
  await server.start();
  const url = socketUrlOf(dir);
  writeFileSync(join(dir, "server.json"), `${JSON.stringify({ pid: process.pid, url })}\n`);
  return {
    url,
    close: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The URL of a running server's socket for this data directory, or null when none runs. */
export function findEmbeddedSocket(dataDir: string): string | null {
  const dir = socketDirOf(dataDir);
  if (!existsSync(join(dir, SOCKET_FILE))) return null;
  try {
    const { pid, url } = JSON.parse(readFileSync(join(dir, "server.json"), "utf8")) as {
      pid: number;
      url: string;
    };
    process.kill(pid, 0); // throws when that process is gone
    return url;
  } catch {
    return null;
  }
}

/**
 * `pglite` as the socket server sees it, with every NotificationResponse ('A') in the raw
 * protocol stream it writes to clients reported to `onNotification` (the stream is unchanged).
 */
export function tapNotifications(
  pglite: PGlite,
  onNotification: (channel: string, payload: string) => void,
): PGlite {
  const execProtocolRawStream: PGlite["execProtocolRawStream"] = (message, streamOptions) => {
    let pending: Buffer = Buffer.alloc(0);
    const forward = streamOptions?.onRawData;
    return pglite.execProtocolRawStream(message, {
      ...streamOptions,
      onRawData: (chunk: Uint8Array) => {
        pending = readNotifications(Buffer.concat([pending, Buffer.from(chunk)]), onNotification);
        forward?.(chunk);
      },
    });
  };
  return new Proxy(pglite, {
    get(target, property) {
      if (property === "execProtocolRawStream") return execProtocolRawStream;
      const value = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Reports the complete NotificationResponse messages in `data`; returns the incomplete tail. */
export function readNotifications(
  data: Buffer,
  onNotification: (channel: string, payload: string) => void,
): Buffer {
  let at = 0;
  while (data.length - at >= 5) {
    const length = data.readInt32BE(at + 1);
    if (data.length - at < 1 + length) break;
    if (data[at] === 0x41) {
      // Int32 length, Int32 sender pid, String channel, String payload.
      const body = data.subarray(at + 9, at + 1 + length);
      const channelEnd = body.indexOf(0);
      const payloadEnd = body.indexOf(0, channelEnd + 1);
      if (channelEnd >= 0 && payloadEnd >= 0) {
        onNotification(
          body.subarray(0, channelEnd).toString("utf8"),
          body.subarray(channelEnd + 1, payloadEnd).toString("utf8"),
        );
      }
    }
    at += 1 + length;
  }
  return data.subarray(at);
}
