import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The embedded database (PGlite on disk) belongs to one process at a time: two processes writing
 * the same data directory corrupt it. A lock file next to it holds the owner's pid; a lock left
 * by a process that no longer runs is taken over.
 */

export class EmbeddedDatabaseInUseError extends Error {
  override readonly name = "EmbeddedDatabaseInUseError";
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else; still running.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Returns the release function. Throws EmbeddedDatabaseInUseError while another process holds it. */
export function lockEmbeddedDatabase(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  mkdirSync(dirname(lockFile), { recursive: true });
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
      if (Number.isInteger(owner) && owner !== process.pid && isRunning(owner)) {
        throw new EmbeddedDatabaseInUseError(
          `the embedded database at ${dataDir} is in use by process ${owner} (a running server?). ` +
            "Stop it first, or point DATABASE_URL at PostgreSQL to share one database.",
        );
      }
      rmSync(lockFile, { force: true }); // stale: its process is gone
    }
  }
  throw new EmbeddedDatabaseInUseError(`could not lock the embedded database at ${dataDir}`);
}
