import { type RoundSummary, roundByRoundRatio } from "./round-summary.ts";
import type { TurnCost } from "./turn-cost-probe.ts";

export interface ThroughputRow {
  label: string;
  turnsPerRound: number;
  summary: RoundSummary;
}

export interface TurnReportInput {
  /** Machine and load, one line each. */
  context: string[];
  /** A (the reference) first, B (the app as shipped, the one the targets are for) second. */
  rows: ThroughputRow[];
  concurrentUsers: number;
  baselineCosts: TurnCost[];
  orkestrCosts: TurnCost[];
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

/** The turn benchmark's findings as markdown, ready for docs/benchmarks.md: throughput, cost per turn, statements, targets. */
export function turnReport(input: TurnReportInput): string {
  const cost = typical(input.orkestrCosts);
  return [
    ...input.context,
    "",
    throughputTable(input.rows),
    "",
    costTable(input.baselineCosts, input.orkestrCosts),
    "",
    statementList(cost),
    "",
    targets(input, cost),
  ].join("\n");
}

/** Turns/s of a row against A's, round by round. */
const ratioToA = (rows: ThroughputRow[], row: ThroughputRow | undefined) =>
  row && rows[0] ? roundByRoundRatio(row.summary, rows[0].summary) : Number.NaN;

function throughputTable(rows: ThroughputRow[]): string {
  return [
    "| row | turns per round | turns/s | p50 ms | p99 ms | turns/s ÷ A, round by round | bot CPU ms per turn | turns/s of each round |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) => {
      const { label, turnsPerRound, summary: s } = row;
      const perRound = s.rounds.map((r) => fixed(r.turnsPerSecond, 0)).join(" · ");
      const ratio = fixed(ratioToA(rows, row), 3);
      return `| ${label} | ${turnsPerRound} | ${fixed(s.turnsPerSecond)} | ${fixed(s.p50Ms)} | ${fixed(s.p99Ms)} | ${ratio} | ${fixed(s.botCpuMsPerTurn, 2)} | ${perRound} |`;
    }),
  ].join("\n");
}

/** The counts most turns had (the first turn that had them): a background statement in one turn does not decide. */
function typical(costs: TurnCost[]): TurnCost {
  const counts = (c: TurnCost) => `${c.statements.length}/${c.commits}/${c.redisCommands.length}/${c.redisScriptCommands.length}`;
  const frequency = new Map<string, number>();
  for (const c of costs) frequency.set(counts(c), (frequency.get(counts(c)) ?? 0) + 1);
  const [mode] = [...frequency].sort((a, b) => b[1] - a[1])[0] ?? [];
  const found = costs.find((c) => counts(c) === mode);
  if (!found) throw new Error("no turn was counted");
  return found;
}

function costTable(baselineCosts: TurnCost[], orkestrCosts: TurnCost[]): string {
  const [a, b] = [typical(baselineCosts), typical(orkestrCosts)];
  const row = (what: string, figure: (c: TurnCost) => number) =>
    `| ${what} | ${figure(a)} | ${figure(b)} | ${orkestrCosts.map(figure).join(", ")} |`;
  const redis = (commands: string[]) => commands.join("; ") || "none";
  return [
    `One returning customer's turn, counted ${orkestrCosts.length} times alone (server log, MONITOR):`,
    "",
    "| per turn | A bare grammY | B Orkestr | B, each counted turn |",
    "| --- | --- | --- | --- |",
    row("SQL statements (pipelined: 3 round trips, test/turn-round-trips.test.ts)", (c) => c.statements.length),
    row("connections used", (c) => new Set(c.statements.map((s) => s.pid)).size),
    row("transactions committed", (c) => c.commits),
    row("… of which wrote (WAL flush)", (c) => c.writingCommits),
    row("server time of the statements, ms", (c) =>
      Number(
        fixed(
          c.statements.reduce((sum, s) => sum + s.ms, 0),
          2,
        ),
      ),
    ),
    row("Redis commands (round trips)", (c) => c.redisCommands.length),
    row("… and commands their scripts ran", (c) => c.redisScriptCommands.length),
    "",
    `Redis commands of B's turn: ${redis(b.redisCommands)} (inside the scripts: ${redis(b.redisScriptCommands)}).`,
  ].join("\n");
}

/** The statements of one turn, normalised: qualifiers and long column lists cut, so the shape shows. */
function statementList(cost: TurnCost): string {
  const connections = [...new Set(cost.statements.map((s) => s.pid))];
  return [
    "Statements of B's turn (conn: the connection it came on; wrote: its transaction had written by its end):",
    "",
    "| # | conn | wrote | server ms | statement |",
    "| --- | --- | --- | --- | --- |",
    ...cost.statements.map((s, i) => {
      const conn = `c${connections.indexOf(s.pid) + 1}`;
      return `| ${i + 1} | ${conn} | ${s.xid ? "yes" : ""} | ${fixed(s.ms, 2)} | \`${normaliseSql(s.sql)}\` |`;
    }),
  ].join("\n");
}

function normaliseSql(sql: string): string {
  const flat = sql
    .replace(/--[^\n]*/g, "")
    .replace(/\s+/g, " ")
    .replace(/"public"\./g, "")
    .replace(/"\w+"\.("\w+")/g, "$1")
    .trim();
  const short = flat
    .replace(/^SELECT (.{50,}?) FROM /, "SELECT … FROM ")
    .replace(/ RETURNING .{40,}$/, " RETURNING …")
    .replace(/^INSERT INTO ("\w+") \(.{40,}?\) VALUES/, "INSERT INTO $1 (…) VALUES")
    .replace(/ VALUES (\([^)]*\)(?:, ?\([^)]*\))+)/, (_all, tuples: string) => ` VALUES (…) × ${tuples.split(/\), ?\(/).length} rows`)
    .replace(/ SET (.{60,}?) WHERE /, " SET … WHERE ")
    .replace(/\|/g, "\\|");
  return short.length > 180 ? `${short.slice(0, 179)}…` : short;
}

/** The hardening issue's targets, for B: the app as shipped. */
function targets({ rows, concurrentUsers }: TurnReportInput, cost: TurnCost): string {
  const ratio = ratioToA(rows, rows[1]);
  const p99 = rows[1]?.summary.p99Ms ?? Number.NaN;
  const verdict = (met: boolean) => (met ? "met" : "**NOT met**");
  return [
    "Targets (B, the app as shipped):",
    "",
    `- turns/s ≥ 0.4 × A: ${fixed(ratio, 3)} — ${verdict(ratio >= 0.4)}`,
    `- p99 ≤ 250 ms at ${concurrentUsers} concurrent users: ${fixed(p99)} ms — ${verdict(p99 <= 250)}`,
    `- ≤ 6 SQL statements (round trips are fewer: pipelined) per returning customer's turn: ${cost.statements.length} — ${verdict(cost.statements.length <= 6)}`,
    `- ≤ 2 commits per returning customer's turn: ${cost.commits} — ${verdict(cost.commits <= 2)}`,
  ].join("\n");
}
