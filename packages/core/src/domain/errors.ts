/**
 * Domain failures the API turns into tRPC codes. Exchange failures keep their own types
 * (../exchange/errors.ts) and pass through untouched.
 */
export class DomainError extends Error {
  override readonly name: string = "DomainError";
}

/** Missing, or someone else's: the two are deliberately indistinguishable. */
export class NotFoundError extends DomainError {
  override readonly name: string = "NotFoundError";
  constructor(readonly entity: "position" | "order" | "account" | "user") {
    super(`${entity} not found`);
  }
}

/** A command that is well-formed but not acceptable; `field` names the input at fault. */
export class InvalidCommandError extends DomainError {
  override readonly name: string = "InvalidCommandError";
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The command is fine but the state does not allow it (e.g. the position is already closed). */
export class ConflictError extends DomainError {
  override readonly name: string = "ConflictError";
}
