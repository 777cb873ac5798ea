import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["core/**/*.test.ts", "bots/**/*.test.ts", "app/**/*.test.ts", "cli/**/*.test.ts", "test/**/*.test.ts"],
    // Real Redis and PostgreSQL are started once for the whole run (or taken from
    // REDIS_URL / TEST_DATABASE_URL), see test/global-setup.ts.
    globalSetup: ["test/global-setup.ts"],
    // A safety net against a hang, not a speed check: tests that run the CLI start a Node.js
    // process per command (2–8 s each when both workers are busy), and some run four of them.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration tests start app processes; two cores are all we have.
    maxWorkers: 2,
  },
});
