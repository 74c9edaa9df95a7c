import { type ChildProcess, spawn } from "node:child_process";
import { createInterface } from "node:readline";

/** One line of a child's output: the server's JSON log line, or `{ msg }` for plain text. */
export type LogLine = { msg?: string; level?: number; time?: number; [field: string]: unknown };

export interface LoggedProcess {
  child: ChildProcess;
  /** Every output line so far, in order. */
  logs: LogLine[];
  /**
   * The first line from index `from` on (default 0), already logged or to come, that matches;
   * rejects, naming `what` with the end of stderr and of the output, if the process exits first.
   */
  logged(match: (line: LogLine) => boolean, what: string, from?: number): Promise<LogLine>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Started and not yet exited, for killLoggedProcesses. */
const running = new Set<ChildProcess>();

/** A child process whose output lines are kept and can be waited for (no polling, no sleeps). */
export function spawnLogged(
  command: string,
  args: string[],
  options: { cwd: string; env?: Record<string, string> },
): LoggedProcess {
  const child = spawn(command, args, {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const logs: LogLine[] = [];
  const waiters = new Set<{ match: (line: LogLine) => boolean; resolve: (line: LogLine) => void }>();
  createInterface({ input: child.stdout! }).on("line", (text) => {
    let line: LogLine;
    try {
      line = JSON.parse(text) as LogLine;
    } catch {
      line = { msg: text };
    }
    logs.push(line);
    for (const waiter of [...waiters]) {
      if (waiter.match(line)) {
        waiters.delete(waiter);
        waiter.resolve(line);
      }
    }
  });
  const logged = (match: (line: LogLine) => boolean, what: string, from = 0) => {
    const found = logs.slice(from).find(match);
    if (found) return Promise.resolve(found);
    return Promise.race([
      new Promise<LogLine>((resolve) => waiters.add({ match, resolve })),
      exited.then(({ code, signal }) => {
        const lastLines = logs.slice(-20).map((line) => JSON.stringify(line));
        throw new Error(
          `${command} exited (${code ?? signal}) before "${what}":\n${stderr.slice(-3000)}\n${lastLines.join("\n")}`,
        );
      }),
    ]);
  };
  return { child, logs, logged, exited };
}

/** The URL of a server (src/main.ts) once its log says it is running. */
export async function serverUrlOf(server: LoggedProcess): Promise<string> {
  const running = await server.logged(
    (line) => /is running at http:\/\/localhost:\d+/.test(line.msg ?? ""),
    "listening",
  );
  const port = /localhost:(\d+)/.exec(running.msg ?? "")![1];
  return `http://127.0.0.1:${port}`;
}

/** For afterAll: SIGKILL every process spawnLogged started that is still running. */
export function killLoggedProcesses(): void {
  for (const child of running) child.kill("SIGKILL");
}
