import { defineConfig } from "prisma/config";

// The connection URL is only needed by Prisma's own CLI commands (migrate deploy on a machine
// that has the schema engine); the app connects through driver adapters (see core/store-prisma).
export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "postgresql://localhost:5432/orkestr" },
});
