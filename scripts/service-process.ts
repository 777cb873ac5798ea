/**
 * What the launchers of the real services the integration tests and the demo need (a throwaway
 * Redis in redis-service.ts, a throwaway PostgreSQL in postgres-service.ts) share: their options,
 * running commands, finding binaries, installing packages, free ports and clean-up on exit.
 *
 * Why not Docker or embedded binaries: the CI machine has no Docker engine and no internet
 * besides npm and Debian apt, but it has PostgreSQL binaries and can `apt-get install
 * redis-server` as root. So we find (or install) the system binaries and run them unprivileged.
 */
import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, stat } from "node:fs/promises";
import { createServer } from "node:net";
import { delimiter, join } from "node:path";

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

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, collecting stdout+stderr; never rejects on a non-zero exit. */
export function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
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

export async function isExecutable(path: string): Promise<boolean> {
  try {
    await access(path, constants.X_OK);
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

/** Like `which`; also looks in the sbin/bin dirs that a minimal PATH may lack. */
export async function which(name: string): Promise<string | undefined> {
  const dirs = (process.env.PATH ?? "").split(delimiter).filter(Boolean);
  for (const dir of [...dirs, "/usr/local/bin", "/usr/bin", "/usr/sbin", "/bin"]) {
    const candidate = join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return undefined;
}

export const isRoot = () => process.getuid?.() === 0;

/** `apt-get install -y <pkg>`, running `apt-get update` only when the first attempt fails. */
export async function aptInstall(pkg: string, log?: (message: string) => void): Promise<RunResult> {
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

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Kill servers we started when the parent dies without calling `stop()` (e.g. a crashed test
 * run), so they do not keep ports and directories busy. Only synchronous work is possible here.
 */
export const exitHooks = new Set<() => void>();
process.on("exit", () => {
  for (const hook of exitHooks) {
    try {
      hook();
    } catch {
      // best effort while exiting
    }
  }
});
