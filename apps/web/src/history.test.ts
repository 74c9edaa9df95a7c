import { describe, expect, it } from "vitest";
import { describeFreshness } from "./history.ts";

describe("the history's freshness in words", () => {
  it("says today is live and earlier days are as of the view's refresh", () => {
    expect(
      describeFreshness(
        {
          asOf: "2026-11-30T10:00:03.000Z",
          liveFrom: "2026-11-30",
          viewRefreshedAt: "2026-11-30T09:55:00.000Z",
        },
        "UTC",
      ),
    ).toBe("Today (UTC) live as of 10:00:03; earlier days as of 09:55 (the daily view's last refresh).");
  });

  it("says from which day it is live when the view was last refreshed before today", () => {
    expect(
      describeFreshness(
        {
          asOf: "2026-11-30T10:00:03.000Z",
          liveFrom: "2026-11-28",
          viewRefreshedAt: "2026-11-28T23:10:00.000Z",
        },
        "UTC",
      ),
    ).toBe(
      "From 28 Nov (UTC) live as of 10:00:03; earlier days as of 28 Nov, 23:10 (the daily view's last refresh).",
    );
  });

  it("says every day is live when no refresh is recorded", () => {
    expect(
      describeFreshness(
        { asOf: "2026-11-30T10:00:03.000Z", liveFrom: "1970-01-01", viewRefreshedAt: null },
        "UTC",
      ),
    ).toBe("Every day live as of 10:00:03.");
  });
});
