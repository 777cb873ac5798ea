import { existsSync } from "node:fs";
import { join } from "node:path";
import { loadConfig } from "../app/config.ts";
import { type OpenedDatabase, openDatabase } from "../core/store-prisma/open-database.ts";
import type { CliOutput } from "./cli-output.ts";

/**
 * The app's database, as the app finds it: DATABASE_URL, or the embedded one in DATA_DIR.
 * The embedded one serves a single process, so while the demo runs it is refused (undefined).
 */
export async function openAppDatabase(out: CliOutput): Promise<OpenedDatabase | undefined> {
  const config = loadConfig(process.env);
  const pgliteDir = join(config.DATA_DIR, "pglite");
  if (!config.DATABASE_URL && existsSync(join(pgliteDir, "postmaster.pid"))) {
    out.error(`The embedded database in ${pgliteDir} is in use (is \`npm run demo\` running?). Stop the app first, or set DATABASE_URL.`);
    return undefined;
  }
  return openDatabase({ ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}), dataDir: pgliteDir });
}
