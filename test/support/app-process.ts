import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import type { Config } from "../../app/config.ts";

const root = new URL("../../", import.meta.url).pathname;

/**
 * Runs the production entry point (`npm start` runs the same file) as a child process, so
 * tests can stop, kill and restart the app for real.
 */
export class AppProcess {
  private child: ChildProcess | undefined;
  output = "";
  readonly url: string;

  private constructor(
    private readonly env: Record<string, string>,
    readonly port: number,
    private readonly entry: string,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  /**
   * `unchecked` variables go to the process as they are, e.g. values the config schema refuses.
   * `entry` (relative to the repository) is another program configured like the app and
   * answering `/health`, e.g. a benchmark's reference bot.
   */
  static async create(config: Config, unchecked: Record<string, string> = {}, entry = "app/main.ts"): Promise<AppProcess> {
    const port = await freePort();
    const env = Object.fromEntries(Object.entries({ ...config, PORT: port }).map(([k, v]) => [k, String(v)]));
    return new AppProcess({ ...env, ...unchecked }, port, entry);
  }

  async start(timeoutMs = 30_000): Promise<void> {
    const child = spawn(process.execPath, ["--import", "tsx", this.entry], {
      cwd: root,
      env: { ...process.env, ...this.env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child = child;
    child.stdout?.on("data", (chunk) => (this.output += chunk));
    child.stderr?.on("data", (chunk) => (this.output += chunk));
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`app exited with ${child.exitCode}:\n${this.output}`);
      const healthy = await fetch(`${this.url}/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (healthy) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`app did not become healthy within ${timeoutMs} ms:\n${this.output}`);
  }

  /** Whether the process has ended (by itself or by a signal). */
  get exited(): boolean {
    return this.child !== undefined && (this.child.exitCode !== null || this.child.signalCode !== null);
  }

  /** The process id while it runs (benchmarks read its CPU time). */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Sends a signal and resolves with the exit code once the process is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return child?.exitCode ?? null;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill(signal);
    return exited;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}
