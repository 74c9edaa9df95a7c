import { closeSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";

/**
 * An exclusive lock on an embedded database folder, as <dir>.lock holding the owner's pid.
 * PGlite does not lock its folder, and two processes on one folder (the dev server and a
 * `db:seed`) would corrupt it. A lock left by a process that no longer runs is taken over.
 * Returns the release function, or the pid of the live owner.
 */
export function lockDirectory(dataDir: string): { release: () => void } | { ownerPid: number } {
  const path = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(path, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return { release: () => rmSync(path, { force: true }) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const ownerPid = Number.parseInt(readFileSync(path, "utf8"), 10);
      if (Number.isSafeInteger(ownerPid) && isRunning(ownerPid)) return { ownerPid };
      rmSync(path, { force: true });
    }
  }
  throw new Error(`could not take the lock ${path}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
