import type { UserConfigFnObject } from "vitest/config";

export declare const POSTGRES_TEST_URL: string;
export declare const databaseTestConfig: UserConfigFnObject;
