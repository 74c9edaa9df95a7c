/** The database configuration is unusable: a malformed URL, or a database that cannot be reached. */
export class DatabaseConfigError extends Error {
  override readonly name = "DatabaseConfigError";
}
