/**
 * Launchers for the real services the integration tests and the demo need: a throwaway Redis
 * and a throwaway PostgreSQL, each living in a directory the caller owns.
 *
 * Why not Docker or embedded binaries: the CI machine has no Docker engine and no internet
 * besides npm and Debian apt, but it has PostgreSQL binaries and can `apt-get install
 * redis-server` as root. So we find (or install) the system binaries and run them unprivileged.
 */
import { spawn, spawnSync } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { access, chown, mkdir, readdir, readFile, realpath, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

/** A running service; `stop()` is idempotent and resolves once the server process has exited. */
export interface RunningService {
  url: string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the service keeps its data; reuse the same dir to keep data across restarts. */
  dir: string;
  /** TCP port on 127.0.0.1; a free one is picked when omitted. */
  port?: number;
  /** Receives progress messages; nothing is printed otherwise. */
  log?: (message: string) => void;
  /** How long to wait for the server to answer before giving up (default 30 s). */
  timeoutMs?: number;
}

export interface FindOptions {
  log?: (message: string) => void;
}

interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout+stderr; never rejects on a non-zero exit. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    const collect = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-20_000);
    };
    child.stdout.on("data", collect);
    child.stderr.on("data", collect);
    const timer = setTimeout(() => {
      output += `\n[killed after ${opts.timeoutMs} ms]`;
      child.kill("SIGKILL");
    }, opts.timeoutMs ?? 120_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      resolve({ code: null, output: `${output}\n${error.message}` });
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, output });
    });
  });
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Like `which`; also looks in the sbin/bin dirs that a minimal PATH may lack. */
async function which(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...dirs, "/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin"]) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

const isRoot = () => process.getuid?.() === 0;

/** `apt-get install -y <pkg>`, running `apt-get update` only when the first attempt fails. */
async function aptInstall(pkg: string, log?: (message: string) => void): Promise<RunResult> {
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  // Wait for the dpkg lock instead of failing when another apt run is in progress.
  const install = ["-o", "DPkg::Lock::Timeout=300", "install", "-y", "--no-install-recommends", pkg];
  log?.(`installing ${pkg} with apt-get`);
  let result = await run("apt-get", install, { env, timeoutMs: 600_000 });
  if (result.code === 0) return result;
  log?.(`apt-get install failed; running apt-get update and retrying`);
  const update = await run("apt-get", ["-o", "DPkg::Lock::Timeout=300", "update"], { env, timeoutMs: 600_000 });
  result = await run("apt-get", install, { env, timeoutMs: 600_000 });
  if (result.code !== 0) result.output = `${update.output}\n${result.output}`;
  return result;
}

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

/** Asks the OS for a free TCP port on 127.0.0.1 (tiny race window accepted: tests only). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not pick a free port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kill servers we started when the parent dies without calling `stop()` (e.g. a crashed test
 * run), so they do not keep ports and directories busy. Only synchronous work is possible here.
 */
const exitHooks = new Set<() => void>();
process.on("exit", () => {
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // best effort while exiting
    }
  }
});

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

const PG_TOOLS = ["initdb", "pg_ctl", "postgres"] as const;

async function hasPgTools(dir: string): Promise<boolean> {
  for (const tool of PG_TOOLS) if (!(await isExecutable(join(dir, tool)))) return false;
  return true;
}

async function locatePostgresBin(): Promise<string | undefined> {
  const initdb = await which("initdb");
  if (initdb) {
    // PATH often holds symlinks (/usr/local/bin/initdb -> /usr/lib/postgresql/15/bin/initdb);
    // the real directory also has pg_isready and friends of the same version.
    const real = await realpath(initdb);
    for (const dir of [join(real, ".."), join(initdb, "..")]) if (await hasPgTools(dir)) return dir;
  }
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? await readdir(root) : [];
  versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
  for (const version of versions) {
    const dir = join(root, version, "bin");
    if (await hasPgTools(dir)) return dir;
  }
  return undefined;
}

/** Directory holding `initdb`, `pg_ctl` and `postgres`, installing PostgreSQL when root. */
export async function findPostgresBin(opts: FindOptions = {}): Promise<string> {
  const found = await locatePostgresBin();
  if (found) return found;
  let detail = "";
  if (isRoot() && (await which("apt-get"))) {
    const result = await aptInstall("postgresql", opts.log);
    const installed = await locatePostgresBin();
    if (result.code === 0 && installed) return installed;
    detail = `\napt-get install -y postgresql failed:\n${result.output.slice(-3000)}`;
  }
  throw new Error(
    "PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found on PATH nor in " +
      "/usr/lib/postgresql/*/bin. Install PostgreSQL (e.g. `sudo apt-get install -y postgresql` " +
      "or `brew install postgresql`), or point the tests at a running server with " +
      `TEST_DATABASE_URL=postgresql://...${detail}`,
  );
}

/** PostgreSQL refuses to run as root: as root, run its binaries as the `postgres` OS user. */
async function postgresRunner(dir: string): Promise<(bin: string, args: string[]) => Promise<RunResult>> {
  if (!isRoot()) return (bin, args) => run(bin, args, { cwd: dir });
  const id = await run("id", ["-u", "postgres"]);
  if (id.code !== 0) {
    const added = await run("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/bin/sh", "postgres"]);
    if (added.code !== 0) throw new Error(`could not create the postgres OS user:\n${added.output}`);
  }
  const uid = Number((await run("id", ["-u", "postgres"])).output.trim());
  const gid = Number((await run("id", ["-g", "postgres"])).output.trim());
  if ((await stat(dir)).uid !== uid) await chown(dir, uid, gid);
  const data = join(dir, "data");
  if (existsSync(data) && (await stat(data)).uid !== uid) {
    const chowned = await run("chown", ["-R", `${uid}:${gid}`, data]);
    if (chowned.code !== 0) throw new Error(`could not chown ${data} to postgres:\n${chowned.output}`);
  }
  const probe = await run("runuser", ["-u", "postgres", "--", "test", "-w", dir], { cwd: dir });
  if (probe.code !== 0) {
    throw new Error(
      `the postgres OS user cannot write to ${dir}; choose a directory whose parents are ` +
        `world-traversable (e.g. under /tmp).${probe.output ? `\n${probe.output}` : ""}`,
    );
  }
  // The cwd must be readable by postgres, or initdb/pg_ctl fail with "could not change directory".
  return (bin, args) => run("runuser", ["-u", "postgres", "--", bin, ...args], { cwd: dir });
}

/** Quotes one word for the /bin/sh command line that `pg_ctl -o` builds. */
const shellQuote = (value: string) => `'${value.replaceAll("'", `'\\''`)}'`;

async function logTail(file: string): Promise<string> {
  try {
    return (await readFile(file, "utf8")).slice(-4_000);
  } catch {
    return "(no server log)";
  }
}

/**
 * Starts a PostgreSQL server for tests/demo: cluster in `<dir>/data` (initialised on first use,
 * trust auth, user `postgres`, UTF8, locale C), unix socket and `postgres.log` in `<dir>`,
 * fsync off (data survives a clean stop, not a power cut), database `orkestr` created.
 */
export async function startPostgres(opts: StartOptions): Promise<RunningService> {
  const bin = await findPostgresBin({ log: opts.log });
  await mkdir(opts.dir, { recursive: true });
  const runPg = await postgresRunner(opts.dir);
  const data = join(opts.dir, "data");
  const logFile = join(opts.dir, "postgres.log");
  const timeoutMs = opts.timeoutMs ?? 30_000;

  if (!existsSync(join(data, "PG_VERSION"))) {
    const args = ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"];
    const result = await runPg(join(bin, "initdb"), args);
    if (result.code !== 0) throw new Error(`initdb failed (exit ${result.code}):\n${result.output}`);
    opts.log?.(`initialised PostgreSQL cluster in ${data}`);
  }

  const port = opts.port ?? (await freePort());
  const serverOptions = [
    "-c listen_addresses=127.0.0.1",
    `-c port=${port}`,
    `-c unix_socket_directories=${shellQuote(opts.dir)}`,
    "-c fsync=off",
    "-c synchronous_commit=off",
    "-c full_page_writes=off",
    "-c max_connections=200",
  ].join(" ");
  const pgCtl = join(bin, "pg_ctl");
  const stopArgs = ["-D", data, "-m", "fast", "-w", "-t", "60", "stop"];
  const started = await runPg(pgCtl, [
    "-D",
    data,
    "-l",
    logFile,
    "-w",
    "-t",
    String(Math.ceil(timeoutMs / 1000)),
    "-o",
    serverOptions,
    "start",
  ]);
  if (started.code !== 0) {
    // pg_ctl -w gives up on timeout but leaves the server starting: make sure it is gone.
    await runPg(pgCtl, ["-D", data, "-m", "immediate", "-w", "stop"]);
    throw new Error(
      `PostgreSQL did not start on 127.0.0.1:${port} (pg_ctl exit ${started.code}):\n${started.output}\n` +
        `Server log ${logFile}:\n${await logTail(logFile)}`,
    );
  }
  const hook = () => {
    const [cmd, ...args] = isRoot()
      ? ["runuser", "-u", "postgres", "--", pgCtl, "-D", data, "-m", "immediate", "stop"]
      : [pgCtl, "-D", data, "-m", "immediate", "stop"];
    spawnSync(cmd as string, args, { cwd: opts.dir, stdio: "ignore", timeout: 10_000 });
  };
  exitHooks.add(hook);
  let stopped: Promise<void> | undefined;
  const stop = () => {
    stopped ??= (async () => {
      exitHooks.delete(hook);
      const result = await runPg(pgCtl, stopArgs);
      if (result.code !== 0 && !/Is server running\?/.test(result.output)) {
        throw new Error(`pg_ctl stop failed (exit ${result.code}):\n${result.output}`);
      }
    })();
    return stopped;
  };

  try {
    await ensureDatabase(port, "orkestr", timeoutMs);
  } catch (error) {
    await stop().catch(() => {});
    throw new Error(
      `PostgreSQL started but creating database "orkestr" failed: ${String(error)}\n` + `Server log ${logFile}:\n${await logTail(logFile)}`,
      { cause: error },
    );
  }
  const url = `postgresql://postgres@127.0.0.1:${port}/orkestr`;
  opts.log?.(`PostgreSQL ready on ${url} (dir ${opts.dir})`);
  return { url, stop };
}

/** Connects to the maintenance database (retrying while the server settles) and creates `name`. */
async function ensureDatabase(port: number, name: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const client = new pg.Client({ host: "127.0.0.1", port, user: "postgres", database: "postgres" });
    try {
      await client.connect();
      const exists = await client.query("select 1 from pg_database where datname = $1", [name]);
      if (exists.rowCount === 0) await client.query(`create database "${name}"`);
      return;
    } catch (error) {
      // 42P04: created concurrently by someone else, which is just as good.
      if ((error as { code?: string }).code === "42P04") return;
      if (Date.now() > deadline) throw error;
      await sleep(200);
    } finally {
      await client.end().catch(() => {});
    }
  }
}
