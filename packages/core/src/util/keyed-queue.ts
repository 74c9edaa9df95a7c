/**
 * Runs the tasks given under one key one at a time, in arrival order, past failures; tasks
 * under different keys do not wait for each other. A key's entry is removed once its last task
 * has settled, so a long-lived queue holds only the keys that are busy now.
 */
export interface KeyedQueue {
  /** Runs task after the key's earlier tasks have settled; its result, or its error. */
  <T>(key: string, task: () => Promise<T>): Promise<T>;
  /** Resolves when every task queued so far has settled (tests, shutdown). */
  idle(): Promise<void>;
  /** Keys with a task queued or running. */
  readonly size: number;
}

export function createKeyedQueue(): KeyedQueue {
  /** key -> the settling of its last task (never rejects, so the next task runs after a failure). */
  const tails = new Map<string, Promise<void>>();
  function run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const result = (tails.get(key) ?? Promise.resolve()).then(task);
    const tail = result.then(
      () => {},
      () => {},
    );
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return result;
  }
  return Object.defineProperties(run as KeyedQueue, {
    idle: { value: async () => void (await Promise.all(tails.values())) },
    size: { get: () => tails.size },
  });
}
