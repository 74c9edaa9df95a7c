/**
 * `pnpm start` runs this before building the web app (20-40 s), so that a bad variable is
 * reported within seconds, naming it, rather than after the build. main.ts checks again: the
 * environment is the same, so this only moves the failure earlier.
 */
import { loadProcessConfigOrExit } from "./config.ts";

loadProcessConfigOrExit();
