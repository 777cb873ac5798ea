import type { ClosedLoopResult } from "./closed-loop-load.ts";

export interface RoundFigures {
  turnsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time the bot's process spent per turn. */
  botCpuMsPerTurn: number;
}

/** A round as measured, with the CPU time the bot's process used meanwhile. */
export interface MeasuredRound extends ClosedLoopResult {
  botCpuMs: number;
}

export interface RoundSummary extends RoundFigures {
  /** Each round's own figures, in the order they ran. */
  rounds: RoundFigures[];
}

/** Nearest-rank percentile: a value that was measured, never an interpolation between two. */
function percentile(sorted: number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1] ?? Number.NaN;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
}

/**
 * Turns/s, p50 and p99 of every round, and their medians over the rounds: on a noisy machine one
 * slow round (another process took the CPU) moves the median less than it moves a mean.
 */
export function summarizeRounds(results: MeasuredRound[]): RoundSummary {
  const rounds = results.map((result) => {
    const sorted = [...result.latenciesMs].sort((a, b) => a - b);
    return {
      turnsPerSecond: result.turns / result.seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      botCpuMsPerTurn: result.botCpuMs / result.turns,
    };
  });
  return {
    turnsPerSecond: median(rounds.map((r) => r.turnsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    botCpuMsPerTurn: median(rounds.map((r) => r.botCpuMsPerTurn)),
    rounds,
  };
}

/**
 * How `row` compares with `reference`, round by round (round i of each ran back to back), as the
 * median of those ratios: the pairs share the machine's mood of that moment, medians of each do not.
 */
export function roundByRoundRatio(row: RoundSummary, reference: RoundSummary): number {
  return median(row.rounds.map((r, i) => r.turnsPerSecond / (reference.rounds[i]?.turnsPerSecond ?? Number.NaN)));
}
