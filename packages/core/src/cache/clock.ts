import { Worker } from "node:worker_threads";

/** The time a cache reads, in ms on Date.now's scale. */
export interface CacheClock {
  /** The exact time: storedAt, ages, and every freshness decision upperBound() cannot make. */
  now(): number;
  /**
   * A time no earlier than now(), cheaper to read: an entry fresh until at least this is served
   * without reading now(). Infinity when the clock cannot vouch for one.
   */
  upperBound(): number;
}

/** A clock whose every read is exact: tests' manual clocks, a faked Date.now. */
export function exactClock(now: () => number): CacheClock {
  return { now, upperBound: now };
}

export interface SharedClockSettings {
  /** How often the worker stores the time. */
  tickMs: number;
  /** How far behind Date.now() a reading is taken to be: upperBound() = reading + trustMs. */
  trustMs: number;
  /** A tick this late means the worker was held up (a busy machine): its readings may lag. */
  lateMs: number;
  /** After a late tick the worker vouches for nothing this long: every read is exact. */
  distrustMs: number;
  /** A reading is ms since the clock's start in an Int32: past this a new clock starts. */
  maxSpanMs: number;
}

/** Measured and chosen in the cache README ("The hit path's clock"). */
export const SHARED_CLOCK_DEFAULTS: SharedClockSettings = {
  tickMs: 5,
  trustMs: 1_000,
  lateMs: 100,
  distrustMs: 30_000,
  maxSpanMs: 2 ** 31 - 1,
};

// Cells of the shared buffer, and what a reading other than a span means.
const READING = 0;
const TICKS = 1;
const NOT_VOUCHING = -1;
const EXPIRED = -2;

// Plain JavaScript run by the worker (eval: no loader for TypeScript in a worker).
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { cells, origin, tickMs, lateMs, distrustMs, maxSpanMs } = workerData;
let last = Date.now();
let distrustUntil = 0;
setInterval(() => {
  const now = Date.now();
  if (now - last > lateMs) distrustUntil = now + distrustMs;
  last = now;
  const span = now - origin;
  const reading = span > maxSpanMs ? ${EXPIRED} : now < distrustUntil ? ${NOT_VOUCHING} : span;
  Atomics.store(cells, ${READING}, reading);
  Atomics.add(cells, ${TICKS}, 1);
  Atomics.notify(cells, ${TICKS});
}, tickMs);
process.on("exit", () => Atomics.store(cells, ${READING}, ${NOT_VOUCHING}));
`;

/** ES2024's Atomics.waitAsync (in Node since 16; the repo's TypeScript lib is ES2023). */
const waitAsync = (
  Atomics as unknown as {
    waitAsync(cells: Int32Array, index: number, value: number): { value: Promise<string> | string };
  }
).waitAsync;

export interface SharedClock extends CacheClock {
  /** Resolves after the worker's next `count` ticks (for tests: no sleeps). */
  ticks(count: number): Promise<void>;
  /** Ends the worker (the process-wide clock is never stopped: its worker is unref'd). */
  stop(): Promise<void>;
}

/**
 * Date.now() for exact reads, and for upperBound() a worker thread's reading of it in a
 * SharedArrayBuffer (one Atomics.load, ~8 ns against Date.now()'s ~41 ns), judged `trustMs`
 * behind. The worker starts on the first upperBound() (which is then Infinity, as it is until
 * the first tick), is unref'd (it never keeps the process alive), and vouches for nothing for
 * `distrustMs` after it was held up for more than `lateMs`.
 */
export function sharedClock(settings: SharedClockSettings = SHARED_CLOCK_DEFAULTS): SharedClock {
  let cells: Int32Array | undefined;
  let origin = 0;
  let worker: Worker | undefined;
  let stopped = false;

  function start(): void {
    void worker?.terminate();
    const started = new Int32Array(new SharedArrayBuffer(2 * Int32Array.BYTES_PER_ELEMENT));
    started[READING] = NOT_VOUCHING;
    cells = started;
    origin = Date.now();
    // execArgv: [] so that it boots lean (no `--import tsx` of a server run that way).
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      execArgv: [],
      workerData: { ...settings, cells, origin },
    });
    worker.unref();
    // An error ends the worker ("exit" follows). A worker that died leaves its last reading
    // behind: it is never read again (nor is the worker restarted: every read is then exact).
    worker.on("error", () => {});
    worker.once("exit", () => Atomics.store(started, READING, NOT_VOUCHING));
  }

  return {
    now: () => Date.now(),

    upperBound() {
      if (cells === undefined) {
        if (!stopped) start();
        return Number.POSITIVE_INFINITY;
      }
      const reading = Atomics.load(cells, READING);
      if (reading >= 0) return origin + reading + settings.trustMs;
      if (reading === EXPIRED) start();
      return Number.POSITIVE_INFINITY;
    },

    async ticks(count) {
      if (cells === undefined) start();
      const watched = cells as Int32Array;
      const until = Atomics.load(watched, TICKS) + count;
      // A wait in Atomics.waitAsync holds nothing: without this the process could end meanwhile.
      const holding = setInterval(() => {}, 60_000);
      try {
        for (let seen = Atomics.load(watched, TICKS); seen < until; seen = Atomics.load(watched, TICKS)) {
          await waitAsync(watched, TICKS, seen).value;
        }
      } finally {
        clearInterval(holding);
      }
    },

    async stop() {
      stopped = true;
      cells = undefined;
      await worker?.terminate();
    },
  };
}
