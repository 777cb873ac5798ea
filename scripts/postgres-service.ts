/** Launcher for a throwaway PostgreSQL living in a directory the caller owns (see service-process.ts for why). */
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { chown, mkdir, readdir, readFile, realpath, stat } from "node:fs/promises";
import { join } from "node:path";
import pg from "pg";
import {
  aptInstall,
  exitHooks,
  type FindOptions,
  freePort,
  isExecutable,
  isRoot,
  type RunningService,
  type RunResult,
  run,
  type StartOptions,
  sleep,
  which,
} from "./service-process.ts";

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

export interface PostgresStartOptions extends StartOptions {
  /**
   * Keep PostgreSQL's default durability (fsync, synchronous_commit and full_page_writes on),
   * as in production: benchmarks need every commit to cost its disk flush. Tests and the demo
   * leave it off, for speed.
   */
  durable?: boolean;
}

/**
 * Starts a PostgreSQL server for tests/demo: cluster in `<dir>/data` (initialised on first use,
 * trust auth, user `postgres`, UTF8, locale C), unix socket and `postgres.log` in `<dir>`,
 * fsync off unless `durable` (data survives a clean stop, not a power cut), database `orkestr` created.
 */
export async function startPostgres(opts: PostgresStartOptions): Promise<RunningService> {
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
    ...(opts.durable ? [] : ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]),
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
