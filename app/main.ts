import pino from "pino";
import { FlowError } from "../core/flow/flow-error.ts";
import { loadConfig } from "./config.ts";
import { startOrkestr } from "./orkestr-app.ts";

/** `npm start`: the production process, configured by environment variables. */
const logger = pino({ level: process.env.LOG_LEVEL ?? "info" });

try {
  const app = await startOrkestr(loadConfig(), logger);
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    process.once(signal, () => {
      app.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: error }, "shutdown failed");
          process.exit(1);
        },
      );
    });
  }
} catch (error) {
  // Broken flows and bad configuration are for a person to fix: print them plainly.
  if (error instanceof FlowError) console.error(`Flow files have errors:\n${error.message}`);
  else logger.fatal({ err: error }, error instanceof Error ? error.message : "start-up failed");
  process.exit(1);
}
