import { describe, expect, it } from "vitest";
import { formErrorsOf } from "./form-errors.ts";

describe("formErrorsOf", () => {
  it("puts the server's zod issues on their fields", () => {
    const errors = formErrorsOf({
      message: "validation failed",
      data: { zodError: { fieldErrors: { quantity: ["must be positive", "second"], price: [] } } },
    });
    expect(errors).toEqual({ fields: { quantity: "must be positive" }, form: null });
  });

  it("shows the message on the form when no field is named", () => {
    expect(formErrorsOf({ message: "the exchange is unavailable", data: { zodError: null } })).toEqual({
      fields: {},
      form: "the exchange is unavailable",
    });
    expect(formErrorsOf(null)).toEqual({ fields: {}, form: null });
  });
});
