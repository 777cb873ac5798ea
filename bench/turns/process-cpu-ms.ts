import { readFile } from "node:fs/promises";

/** Linux counts CPU time in clock ticks of 1/100 s (`getconf CLK_TCK` on x86-64 and arm64). */
const msPerTick = 10;

/**
 * CPU time (user + system) a process has used so far, from /proc/<pid>/stat: the difference
 * over a round tells what the round cost the process itself, whatever else ran on the machine.
 * NaN where there is no /proc.
 */
export async function processCpuMs(pid: number | undefined): Promise<number> {
  if (pid === undefined) return Number.NaN;
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => "");
  // The name in parentheses may hold spaces; utime and stime are the 12th and 13th fields after it.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * msPerTick;
}
