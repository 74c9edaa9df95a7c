/** Test helpers: a clock the test moves and promises the test settles (no sleeps). */

/** A cache clock (exact: its upperBound is now) that moves only when the test says. */
export interface ManualClock {
  now: () => number;
  upperBound: () => number;
  advance(ms: number): void;
}

/** Starts far from 0 on purpose: the cache must not depend on the clock's origin. */
export function manualClock(start = 1_700_000_000_000): ManualClock {
  let time = start;
  return {
    now: () => time,
    upperBound: () => time,
    advance(ms) {
      time += ms;
    },
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Lets every already-queued promise callback run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
}
