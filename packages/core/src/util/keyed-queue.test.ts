import { describe, expect, it } from "vitest";
import { createKeyedQueue } from "./keyed-queue.ts";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("keyed queue", () => {
  it("runs a key's tasks in order past a failure, other keys not held up, and forgets idle keys", async () => {
    const queue = createKeyedQueue();
    const started: string[] = [];
    const first = deferred();
    const a1 = queue("a", async () => {
      started.push("a1");
      await first.promise;
    });
    const a2 = queue("a", async () => {
      started.push("a2");
      return "a2";
    });
    const b1 = queue("b", async () => {
      started.push("b1");
      return "b1";
    });
    expect(queue.size).toBe(2);
    expect(await b1).toBe("b1");
    expect(started).toEqual(["a1", "b1"]);

    first.reject(new Error("down"));
    await expect(a1).rejects.toThrow("down");
    expect(await a2).toBe("a2");
    await queue.idle();
    expect(started).toEqual(["a1", "b1", "a2"]);
    expect(queue.size).toBe(0);
  });

  it("idle waits for the tasks queued so far, failed ones included", async () => {
    const queue = createKeyedQueue();
    const gate = deferred();
    const done: string[] = [];
    const failing = queue("a", async () => {
      await gate.promise;
      done.push("a");
      throw new Error("no");
    });
    failing.catch(() => {});
    const idle = queue.idle().then(() => done.push("idle"));
    gate.resolve();
    await idle;
    expect(done).toEqual(["a", "idle"]);
  });
});
