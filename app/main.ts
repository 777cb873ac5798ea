import pino from "pino";
import { FlowError } from "../core/flow/flow-error.ts";
import { loadConfig } from "./config.ts";
import { startOrkestr } from "./orkestr-app.ts";
import { createRedactingLogger } from "./redacting-logger.ts";

/** `npm start`: the production process, configured by environment variables. */

// The level is part of the configuration: until that is read, a bad configuration (LOG_LEVEL
// included) is reported at pino's default level.
let logger = pino();

try {
  const config = loadConfig();
  logger = createRedactingLogger(config);
  const app = await startOrkestr(config, logger);
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
