import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

const root = new URL("../", import.meta.url).pathname;

/** `npm run demo` minus the install step: starts its own Redis and the embedded database. */
describe("the demo", () => {
  let demo: ChildProcess | undefined;
  afterEach(() => {
    if (demo?.exitCode === null) demo.kill("SIGKILL");
  });

  it("refuses a bad LOG_LEVEL with the configuration error, before it starts a Redis", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "orkestr-demo-"));
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: "0", DATA_DIR: dataDir, LOG_LEVEL: "loud" };
    delete env.REDIS_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    demo = child;
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const code = await new Promise<number | null>((resolve) => child.once("exit", resolve));
    expect(code).toBe(1);
    expect(output).toMatch(/^Could not start the demo: Invalid configuration:\n {2}LOG_LEVEL: /);
    expect(existsSync(join(dataDir, "redis"))).toBe(false);
  });

  it("serves the example flows in the web chat with a Redis it started itself, and stops cleanly", async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: "0",
      DATA_DIR: await mkdtemp(join(tmpdir(), "orkestr-demo-")),
      LOG_LEVEL: "warn",
    };
    delete env.REDIS_URL;
    delete env.DATABASE_URL;
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/demo.ts"], { cwd: root, env, stdio: ["ignore", "pipe", "pipe"] });
    demo = child;
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));

    const deadline = Date.now() + 45_000;
    let url: string | undefined;
    while (!url && Date.now() < deadline && child.exitCode === null) {
      url = /open (http:\/\/\S+?)\/ to chat/.exec(output)?.[1];
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(url, output).toBeDefined();

    const page = await fetch(`${url}/`);
    expect(await page.text()).toContain('data-testid="transcript"');
    const flows = (await (await fetch(`${url}/api/flows`)).json()) as { flows: Array<{ id: string }> };
    expect(flows.flows.map((f) => f.id)).toContain("checklist-funnel");
    expect(await (await fetch(`${url}/health`)).json()).toMatchObject({ database: "ok", redis: "ok" });

    const exited = new Promise<number | null>((resolve) => child.once("exit", resolve));
    child.kill("SIGINT");
    expect(await exited).toBe(0);
  });
});
