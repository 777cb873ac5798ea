import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/** No Docker engine runs here, so the compose file is checked for what production relies on. */
describe("docker-compose.yml", () => {
  const compose = parse(readFileSync(new URL("../docker-compose.yml", import.meta.url), "utf8"));

  it("runs Redis with AOF and noeviction, as BullMQ needs", () => {
    const command = compose.services.redis.command.join(" ");
    expect(command).toMatch(/--appendonly yes/);
    expect(command).toMatch(/--maxmemory-policy noeviction/);
    expect(compose.services.redis.volumes[0]).toMatch(/:\/data$/);
  });

  it("points the app at the compose PostgreSQL and Redis and waits until they are healthy", () => {
    const app = compose.services.app;
    const pg = compose.services.postgres.environment;
    expect(app.environment.DATABASE_URL).toBe(`postgresql://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`);
    expect(app.environment.REDIS_URL).toBe("redis://redis:6379");
    expect(app.depends_on).toEqual({ postgres: { condition: "service_healthy" }, redis: { condition: "service_healthy" } });
    expect(app.healthcheck.test.join(" ")).toContain("/health");
  });

  it("keeps the app's DATA_DIR (the web chat's session secret) on a volume the app's user may write", () => {
    const dockerfile = readFileSync(new URL("../Dockerfile", import.meta.url), "utf8");
    const workdir = dockerfile.match(/^WORKDIR (\S+)$/m)?.[1];
    const user = dockerfile.match(/^USER (\S+)$/m)?.[1];
    expect(dockerfile).toMatch(new RegExp(`^RUN mkdir -p \\.data && chown ${user}:${user} \\.data$`, "m"));
    expect(compose.services.app.volumes).toContain(`app-data:${workdir}/.data`);
    expect(Object.keys(compose.volumes)).toContain("app-data");
  });

  it("documents every configuration variable in .env.example", () => {
    const example = readFileSync(new URL("../.env.example", import.meta.url), "utf8");
    const source = readFileSync(new URL("../app/config.ts", import.meta.url), "utf8");
    const variables = [...source.matchAll(/^\s+([A-Z_]+): z\./gm)].map((m) => m[1]);
    expect(variables.length).toBeGreaterThan(5);
    for (const name of variables) expect(example).toMatch(new RegExp(`^#? ?${name}=`, "m"));
  });
});
