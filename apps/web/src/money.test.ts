import { describe, expect, it } from "vitest";
import { formatAmount, formatPrice, formatQuantity, formatSigned, pnlTone } from "./money.ts";

describe("money formatting", () => {
  it("groups thousands and fixes the places", () => {
    expect(formatAmount("1234567.891")).toBe("1,234,567.89");
    expect(formatAmount("999.995")).toBe("1,000.00");
    expect(formatAmount("-1234.5")).toBe("-1,234.50");
    expect(formatAmount("0")).toBe("0.00");
  });

  it("keeps every digit of amounts a float would round", () => {
    // 2^53 + 1 is not representable as a JS number.
    expect(formatAmount("9007199254740993.01")).toBe("9,007,199,254,740,993.01");
    expect(formatAmount("0.000000000000000001", 18)).toBe("0.000000000000000001");
  });

  it("never shows a negative zero", () => {
    expect(formatAmount("-0.001")).toBe("0.00");
    expect(formatSigned("-0.004")).toBe("0.00");
  });

  it("signs PnL", () => {
    expect(formatSigned("1250")).toBe("+1,250.00");
    expect(formatSigned("-80.25")).toBe("-80.25");
    expect(formatSigned("0")).toBe("0.00");
  });

  it("gives small prices more places", () => {
    expect(formatPrice("64250.5")).toBe("64,250.50");
    expect(formatPrice("142.1")).toBe("142.10");
    expect(formatPrice("0.123456789")).toBe("0.12346");
  });

  it("shows quantities without trailing zeros", () => {
    expect(formatQuantity("0.500000000000000000")).toBe("0.5");
    expect(formatQuantity("12000")).toBe("12,000");
  });

  it("tells profit from loss", () => {
    expect(pnlTone("0.01")).toBe("profit");
    expect(pnlTone("-0.01")).toBe("loss");
    expect(pnlTone("0")).toBe("flat");
    expect(pnlTone(null)).toBe("flat");
  });
});
