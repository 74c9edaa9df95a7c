import { describe, expect, it } from "vitest";
import { createPerUserQueue } from "./one-at-a-time.ts";

function deferred() {
  let resolve!: () => void;
  let reject!: (error: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("one mutation at a time per user", () => {
  it("runs a user's calls in order, one after the other, past a failure; other users are not held up", async () => {
    const oneAtATime = createPerUserQueue();
    const started: string[] = [];
    const first = deferred();
    const second = deferred();
    const a1 = oneAtATime("alice", async () => {
      started.push("a1");
      await first.promise;
      return "a1";
    });
    const a2 = oneAtATime("alice", async () => {
      started.push("a2");
      await second.promise;
    });
    const a3 = oneAtATime("alice", async () => {
      started.push("a3");
      return "a3";
    });
    const b1 = oneAtATime("bob", async () => {
      started.push("b1");
      return "b1";
    });
    expect(await b1).toBe("b1");
    expect(started).toEqual(["a1", "b1"]);

    first.resolve();
    expect(await a1).toBe("a1");
    second.reject(new Error("exchange down"));
    await expect(a2).rejects.toThrow("exchange down");
    expect(await a3).toBe("a3");
    expect(started).toEqual(["a1", "b1", "a2", "a3"]);
  });
});
