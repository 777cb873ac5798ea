import { execFile } from "node:child_process";

const root = new URL("../../", import.meta.url).pathname;
const bin = `${root}bin/orkestr.mjs`;

/** Runs the real `orkestr` executable, as `npx orkestr` does; `input` is typed into it. */
export function orkestr(
  args: string[],
  options: { cwd?: string; input?: string; env?: Record<string, string> } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      process.execPath,
      [bin, ...args],
      { cwd: options.cwd ?? root, env: { ...process.env, ...options.env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
    child.stdin?.end(options.input ?? "");
  });
}
