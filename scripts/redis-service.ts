/** Launcher for a throwaway Redis living in a directory the caller owns (see service-process.ts for why). */
import { spawn } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { Redis } from "ioredis";
import {
  aptInstall,
  exitHooks,
  type FindOptions,
  freePort,
  isRoot,
  type RunningService,
  type StartOptions,
  sleep,
  which,
} from "./service-process.ts";

/** Path of `redis-server`, installing the Debian package when we are root and can. */
export async function findRedisServer(opts: FindOptions = {}): Promise<string> {
  const found = await which("redis-server");
  if (found) return found;
  let detail = "";
  if (isRoot() && (await which("apt-get"))) {
    const result = await aptInstall("redis-server", opts.log);
    const installed = await which("redis-server");
    if (result.code === 0 && installed) return installed;
    detail = `\napt-get install -y redis-server failed:\n${result.output.slice(-3000)}`;
  }
  throw new Error(
    "redis-server was not found on PATH. Install Redis (e.g. `sudo apt-get install -y redis-server` " +
      "or `brew install redis`), or point the tests at a running Redis with REDIS_URL=redis://..., " +
      `or start one with \`docker compose up -d redis\`.${detail}`,
  );
}

/**
 * Starts `redis-server` in the foreground as a child process, configured the way BullMQ needs
 * it (AOF on, `noeviction`); RDB snapshots are off so AOF in `dir` is the only persistence.
 */
export async function startRedis(opts: StartOptions): Promise<RunningService> {
  const binary = await findRedisServer({ log: opts.log });
  await mkdir(opts.dir, { recursive: true });
  const port = opts.port ?? (await freePort());
  const url = `redis://127.0.0.1:${port}`;
  const config: Record<string, string> = {
    port: String(port),
    bind: "127.0.0.1",
    dir: opts.dir,
    appendonly: "yes",
    "maxmemory-policy": "noeviction",
    save: "", // no RDB snapshots: the AOF alone is the durable copy
    daemonize: "no",
  };
  const args = Object.entries(config).flatMap(([name, value]) => [`--${name}`, value]);
  const child = spawn(binary, args, { cwd: opts.dir, stdio: ["ignore", "pipe", "pipe"] });
  // Keep draining the pipes for the server's whole life: a full pipe would block Redis.
  let output = "";
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  let spawnError: Error | undefined;
  child.once("error", (error) => {
    spawnError = error;
  });
  const hook = () => child.kill("SIGKILL");
  exitHooks.add(hook);

  const stop = async () => {
    exitHooks.delete(hook);
    if (child.exitCode !== null || child.signalCode !== null) return;
    // SIGTERM makes Redis flush and fsync the AOF before exiting, like SHUTDOWN.
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(killer);
  };

  const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
  let lastError = "";
  while (Date.now() < deadline) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      exitHooks.delete(hook);
      throw new Error(
        `redis-server exited before it was ready (${spawnError?.message ?? `code ${child.exitCode}, signal ${child.signalCode}`}).\n` +
          `Command: ${binary} ${args.map((arg) => arg || '""').join(" ")}\nOutput:\n${output}`,
      );
    }
    const client = new Redis(url, {
      lazyConnect: true,
      retryStrategy: () => null,
      maxRetriesPerRequest: 0,
      // A refused socket is already closed, so ioredis' default 2 s destroy timer would linger.
      disconnectTimeout: 10,
      // Something else may hold the port and never answer: each attempt must end on its own.
      connectTimeout: 1_000,
      commandTimeout: 1_000,
    });
    client.on("error", () => {}); // reported through the rejected connect/ping below
    try {
      await client.connect();
      if ((await client.ping()) === "PONG") {
        // Make sure the answer came from our child, not from another server on the same port.
        const pid = /process_id:(\d+)/.exec(await client.info("server"))?.[1];
        if (Number(pid) !== child.pid) {
          throw new Error(`port ${port} is answered by another Redis (pid ${pid}), not by ours (pid ${child.pid})`);
        }
        opts.log?.(`redis-server ready on ${url} (dir ${opts.dir})`);
        return { url, stop };
      }
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    } finally {
      client.disconnect();
    }
    await sleep(100);
  }
  await stop();
  throw new Error(
    `redis-server did not answer PING on ${url} within ${opts.timeoutMs ?? 30_000} ms (last error: ${lastError}).\n` +
      `Command: ${binary} ${args.map((arg) => arg || '""').join(" ")}\nOutput:\n${output}`,
  );
}
