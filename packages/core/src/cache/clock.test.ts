import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { SHARED_CLOCK_DEFAULTS, type SharedClock, sharedClock } from "./clock.ts";

describe("the shared clock", () => {
  let clock: SharedClock | undefined;
  afterEach(async () => {
    await clock?.stop();
  });

  // lateMs is raised where the test is not about lateness: a busy test machine holds workers up.
  const patient = { ...SHARED_CLOCK_DEFAULTS, lateMs: 60_000 };

  it("vouches for nothing until its worker's first tick, then for a bound no earlier than now", async () => {
    clock = sharedClock(patient);
    expect(clock.upperBound()).toBe(Number.POSITIVE_INFINITY);
    await clock.ticks(2);
    const before = clock.now();
    const bound = clock.upperBound();
    const after = clock.now();
    expect(bound).toBeGreaterThanOrEqual(after);
    // A reading, not a guess: at most trustMs ahead of the time it was read.
    expect(bound).toBeLessThanOrEqual(before + patient.trustMs);
  });

  it("vouches for nothing after its worker was held up (every tick counts as late here)", async () => {
    clock = sharedClock({ ...SHARED_CLOCK_DEFAULTS, lateMs: 0 });
    clock.upperBound();
    await clock.ticks(3);
    expect(clock.upperBound()).toBe(Number.POSITIVE_INFINITY);
  });

  it("never reads a span its Int32 cell could not hold (past maxSpanMs it vouches for nothing)", async () => {
    clock = sharedClock({ ...patient, maxSpanMs: 0 });
    clock.upperBound();
    await clock.ticks(3);
    expect(clock.upperBound()).toBe(Number.POSITIVE_INFINITY);
  });

  it("never keeps the process alive", async () => {
    const module = fileURLToPath(new URL("./clock.ts", import.meta.url));
    const tsx = fileURLToPath(new URL("../../node_modules/.bin/tsx", import.meta.url));
    const script = `
      const { sharedClock } = await import(${JSON.stringify(module)});
      const clock = sharedClock();
      clock.upperBound();
      await clock.ticks(2);
      console.log("ticked");
    `;
    // Rejects if the child is still running at the timeout (killed): its worker held it.
    const { stdout } = await promisify(execFile)(tsx, ["--input-type=module", "-e", script], {
      timeout: 30_000,
    });
    expect(stdout).toContain("ticked");
  }, 40_000);
});
