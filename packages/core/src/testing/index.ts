// Test fixtures for packages that build on core (the API's tests): real parts, fresh database.
export * from "./desk-fixture.ts";
