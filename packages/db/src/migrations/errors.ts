/** Migrations cannot be applied: a failed or half-applied one, or a script that fails. */
export class MigrationError extends Error {
  override readonly name = "MigrationError";
}
