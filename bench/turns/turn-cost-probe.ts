import { open, stat } from "node:fs/promises";
import { Redis } from "ioredis";
import pg from "pg";

/** One statement the server ran, as its log tells it. */
export interface LoggedStatement {
  /** The server process, i.e. the connection it came on. */
  pid: number;
  /** Transaction id when the statement finished; 0 while the transaction has written nothing. */
  xid: number;
  /** Time the server spent on it. */
  ms: number;
  sql: string;
}

/** What one turn cost the databases. */
export interface TurnCost {
  /** Every statement of the turn, in order: each is one round trip (node-postgres does not pipeline). */
  statements: LoggedStatement[];
  /** Transactions committed: explicit BEGIN … COMMIT blocks, plus every statement sent outside one. */
  commits: number;
  /** Of those, the ones that wrote: with fsync on, each waits for its WAL flush. */
  writingCommits: number;
  /** Redis commands clients sent during the turn (each one round trip), as MONITOR saw them, normalised. */
  redisCommands: string[];
  /** Commands that the scripts among them ran inside Redis (no round trips of their own). */
  redisScriptCommands: string[];
}

/** Time after the turn for late statements (none are expected: the webhook answers after the send is noted). */
const settleMs = 300;
const logLinePrefix = "%m [%p] db=%d xid=%x ";
const entryStart = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] db=(\S*) xid=(\d+) \w+: {2}(.*)$/;
/** A finished statement; parse and bind steps of the extended protocol are logged too, and skipped. */
const finished = /^duration: ([\d.]+) ms {2}(?:statement|execute [^:]*): ([\s\S]*)$/;

/**
 * Counts what single turns cost: it switches on PostgreSQL's log of every finished statement
 * (`log_min_duration_statement = 0`: the statements `log_statement = all` logs, each written
 * after it ran, with its duration and transaction id) and watches Redis with `MONITOR` on a
 * connection of its own. Exact when nothing else runs meanwhile: the log names every statement
 * of every connection, unlike pg_stat_database or pg_stat_statements, whose counters reach the
 * views only when each backend flushes its statistics (up to seconds later) and carry no order.
 */
export class TurnCostProbe {
  private readonly redis: Redis;
  private monitor: Redis | undefined;
  private seen: Pick<TurnCost, "redisCommands" | "redisScriptCommands"> | undefined;

  constructor(
    private readonly postgresUrl: string,
    private readonly logFile: string,
    redisUrl: string,
  ) {
    this.redis = new Redis(redisUrl, { lazyConnect: true });
  }

  async start(): Promise<void> {
    await this.configure([`ALTER SYSTEM SET log_min_duration_statement = 0`, `ALTER SYSTEM SET log_line_prefix = '${logLinePrefix}'`]);
    // MONITOR takes a connection of its own (ioredis opens it beside this one).
    this.monitor = await this.redis.monitor();
    this.monitor.on("monitor", (_time: string, args: string[], source: string) => {
      // A script's own commands are shown with the source "lua", after the EVALSHA that ran them.
      (source === "lua" ? this.seen?.redisScriptCommands : this.seen?.redisCommands)?.push(describeRedisCommand(args));
    });
  }

  async stop(): Promise<void> {
    this.monitor?.disconnect();
    this.redis.disconnect();
    await this.configure([`ALTER SYSTEM RESET log_min_duration_statement`, `ALTER SYSTEM RESET log_line_prefix`]);
  }

  /** Runs `turn` alone and returns what it cost `database` (the other databases' lines are left out) and Redis. */
  async measure(database: string, turn: () => Promise<void>): Promise<TurnCost> {
    const logOffset = (await stat(this.logFile)).size;
    const seen: NonNullable<typeof this.seen> = { redisCommands: [], redisScriptCommands: [] };
    this.seen = seen;
    await turn();
    await new Promise((resolve) => setTimeout(resolve, settleMs));
    this.seen = undefined;
    const statements = parseStatements(await readFrom(this.logFile, logOffset), database);
    return { statements, ...countCommits(statements), ...seen };
  }

  /** Changes logging for every connection: ALTER SYSTEM, then a reload that each backend applies before its next statement. */
  private async configure(commands: string[]): Promise<void> {
    const client = new pg.Client({ connectionString: this.postgresUrl });
    await client.connect();
    try {
      for (const command of commands) await client.query(command);
      await client.query("SELECT pg_reload_conf()");
    } finally {
      await client.end();
    }
    // The postmaster passes the reload on to the backends asynchronously.
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const buffer = Buffer.alloc(Math.max(0, size - offset));
    await handle.read(buffer, 0, buffer.length, offset);
    return buffer.toString("utf8");
  } finally {
    await handle.close();
  }
}

/** The finished statements of one database in a piece of the server log (an entry's SQL may span lines). */
function parseStatements(log: string, database: string): LoggedStatement[] {
  const entries: Array<{ pid: number; database: string; xid: number; message: string }> = [];
  for (const line of log.split("\n")) {
    const start = entryStart.exec(line);
    const last = entries.at(-1);
    if (start) entries.push({ pid: Number(start[1]), database: start[2] ?? "", xid: Number(start[3]), message: start[4] ?? "" });
    else if (last) last.message += `\n${line}`;
  }
  return entries.flatMap((entry) => {
    const statement = entry.database === database ? finished.exec(entry.message.trimEnd()) : null;
    return statement ? [{ pid: entry.pid, xid: entry.xid, ms: Number(statement[1]), sql: statement[2] ?? "" }] : [];
  });
}

/** Commits per connection: a BEGIN … COMMIT block is one, a statement outside a block is one of its own. */
function countCommits(statements: LoggedStatement[]): Pick<TurnCost, "commits" | "writingCommits"> {
  const open = new Map<number, { wrote: boolean }>();
  let commits = 0;
  let writingCommits = 0;
  for (const { pid, xid, sql } of statements) {
    const block = open.get(pid);
    if (/^\s*(BEGIN|START TRANSACTION)\b/i.test(sql)) open.set(pid, { wrote: false });
    else if (block && /^\s*(COMMIT|END)\b/i.test(sql)) {
      open.delete(pid);
      commits++;
      if (block.wrote) writingCommits++;
    } else if (block && /^\s*ROLLBACK\b/i.test(sql)) open.delete(pid);
    else if (block) block.wrote ||= xid !== 0;
    else {
      commits++;
      if (xid !== 0) writingCommits++;
    }
  }
  return { commits, writingCommits };
}

/** `EVALSHA <sha> 1 bench:…:10001 …` → `evalsha bench:…:<id>`: the command and its keys, ids masked. */
function describeRedisCommand(args: string[]): string {
  const [name = "?", ...rest] = args;
  const command = name.toLowerCase();
  const keys = command === "evalsha" || command === "eval" ? rest.slice(2, 2 + Number(rest[1] ?? 0)) : rest.slice(0, 1);
  return [command, ...keys.map((key) => key.replace(/\d{4,}|[0-9a-f]{8}-[0-9a-f-]{27}/g, "<id>"))].join(" ");
}
