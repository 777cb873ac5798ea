import { bench, describe } from "vitest";
import { telegramFreeBulkRate, telegramPacing } from "../core/pacing-redis/redis-send-pacer.ts";
import { type ClosedLoopResult, runClosedLoop } from "./turns/closed-loop-load.ts";
import { describeMachine } from "./turns/describe-machine.ts";
import { processCpuMs } from "./turns/process-cpu-ms.ts";
import { type MeasuredRound, summarizeRounds } from "./turns/round-summary.ts";
import { type BotUnderTest, startTurnBenchSystems, type TurnBenchSystems } from "./turns/turn-bench-systems.ts";
import { type TurnCost, TurnCostProbe } from "./turns/turn-cost-probe.ts";
import { turnReport } from "./turns/turn-report.ts";

/**
 * Turns side by side (docs/benchmarks.md, "Turns"): the bare grammY bot (A) and Orkestr (B, C)
 * answer the same closed-loop load of 50 concurrent users through the same fake Bot API and the
 * same durable PostgreSQL, in interleaved rounds; then single turns
 * are counted in SQL statements, commits and Redis commands. Prints markdown tables.
 */

/** TURN_BENCH_ROUNDS=1 for a quick look; figures worth writing down take the default. */
const rounds = Number(process.env.TURN_BENCH_ROUNDS ?? 5);
const concurrentUsers = 50;
const usersPerSlot = 2;
/** Repeated counts of one turn: a background statement (the sweep, a worker poll) in one of them does not decide. */
const countedTurns = 5;

// Telegram allows a chat a burst of messages per window (core/pacing-redis): a user who sends no
// more than that per window is never held back by per-chat pacing, so a round measures turns.
const shippedPacing = telegramPacing(telegramFreeBulkRate);
const perChat = shippedPacing.find((rule) => rule.scope === "recipient");
const perBot = shippedPacing.find((rule) => rule.scope === "sender");
const burst = perChat?.points ?? 1;
const restMs = (perChat?.windowSeconds ?? 0) * 1000 + 250;

interface Variant {
  label: string;
  bot: (systems: TurnBenchSystems) => BotUnderTest;
  /** Users (in slots of concurrent users) and how many messages each sends per round. */
  users: "turn-cost" | "steady";
  turnsPerUser: number;
  /** Its replies draw from the pacer's per-chat budget, so its users need a rest before the next round. */
  paced: boolean;
}

const variants: Variant[] = [
  { label: "A  bare grammY, 1 INSERT + 1 reply", bot: (s) => s.baseline, users: "turn-cost", turnsPerUser: burst, paced: false },
  {
    label: `B  Orkestr, pacing as shipped, ${burst} msgs per user`,
    bot: (s) => s.orkestr,
    users: "turn-cost",
    turnsPerUser: burst,
    paced: true,
  },
  {
    label: `C  Orkestr, pacing as shipped, ${2 * burst} msgs per user`,
    bot: (s) => s.orkestr,
    users: "steady",
    turnsPerUser: 2 * burst,
    paced: true,
  },
];

/** Telegram user ids: `slots` concurrent slots of `perSlot` users each, numbered from `first`. */
const slotsOf = (first: number, slots: number, perSlot: number) =>
  Array.from({ length: slots }, (_, slot) => Array.from({ length: perSlot }, (_, i) => first + slot * perSlot + i));

const userSlots = { "turn-cost": slotsOf(10_001, concurrentUsers, usersPerSlot), steady: slotsOf(20_001, concurrentUsers, 1) };

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Sends `text` from every user of `slots` to `bot`, `turnsPerUser` times each, and expects "pong" each time. */
type Load = (bot: BotUnderTest, slots: number[][], turnsPerUser: number, text?: string) => Promise<ClosedLoopResult>;

function loadOn(systems: TurnBenchSystems): Load {
  let updateId = 1;
  return (bot, slots, turnsPerUser, text = "ping") =>
    runClosedLoop({
      webhookUrl: bot.webhookUrl,
      secret: systems.secret,
      telegram: systems.telegram,
      slots,
      turnsPerUser,
      text,
      reply: "pong",
      nextUpdateId: () => updateId++,
    });
}

/** Rounds of every variant in turn (A B C A B C …), so a noisy minute of the machine hits all rows alike. */
async function interleavedRounds(systems: TurnBenchSystems, load: Load): Promise<Map<Variant, MeasuredRound[]>> {
  const restedAt = { "turn-cost": performance.now() + restMs, steady: performance.now() + restMs };
  const results = new Map<Variant, MeasuredRound[]>(variants.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    for (const variant of variants) {
      if (variant.paced) await sleep(restedAt[variant.users] - performance.now());
      const bot = variant.bot(systems);
      const cpuBefore = await processCpuMs(bot.process.pid);
      const result = await load(bot, userSlots[variant.users], variant.turnsPerUser);
      results.get(variant)?.push({ ...result, botCpuMs: (await processCpuMs(bot.process.pid)) - cpuBefore });
      if (variant.paced) restedAt[variant.users] = performance.now() + restMs;
    }
  }
  return results;
}

/**
 * Single turns of A and B, each alone, after the users have rested, so no turn waits for the pacer.
 */
async function countSingleTurns(systems: TurnBenchSystems, load: Load): Promise<{ baseline: TurnCost[]; orkestr: TurnCost[] }> {
  await sleep(restMs);
  const probe = new TurnCostProbe(systems.postgres.url, systems.postgres.logFile, systems.redisUrl);
  await probe.start();
  const costs = { baseline: [] as TurnCost[], orkestr: [] as TurnCost[] };
  const oneTurn = (bot: BotUnderTest, user: number) => async () => {
    await load(bot, [[user]], 1);
  };
  try {
    for (let i = 0; i < countedTurns; i++) {
      const user = 10_001 + i;
      costs.baseline.push(await probe.measure(systems.baseline.database, oneTurn(systems.baseline, user)));
      costs.orkestr.push(await probe.measure(systems.orkestr.database, oneTurn(systems.orkestr, user)));
    }
  } finally {
    await probe.stop();
  }
  return costs;
}

async function compareTurns(systems: TurnBenchSystems): Promise<string> {
  const load = loadOn(systems);
  // Every user becomes a returning customer (contact, conversation) before anything is measured;
  // each bot process gets a round unmeasured, so pools are open and hot code is compiled.
  await load(systems.orkestr, [...userSlots["turn-cost"], ...userSlots.steady], 1, "/start bench");
  await load(systems.baseline, userSlots["turn-cost"], 1);

  const results = await interleavedRounds(systems, load);
  const costs = await countSingleTurns(systems, load);
  const loadLine =
    `Load: ${concurrentUsers} concurrent users, closed loop (each sends its next message once the reply reached the fake Bot API), ` +
    `${rounds} rounds of each row interleaved (A B C A B C …), medians over the rounds. Pacing as shipped: ` +
    `${perChat?.points} messages per ${perChat?.windowSeconds} s per chat, ${perBot?.points} per ${perBot?.windowSeconds} s per bot for bulk sends only (replies are held to the chat's limit alone).`;
  return turnReport({
    context: [await describeMachine(systems.postgres.url, systems.redisUrl), loadLine],
    rows: variants.map((variant) => ({
      label: variant.label,
      turnsPerRound: userSlots[variant.users].flat().length * variant.turnsPerUser,
      summary: summarizeRounds(results.get(variant) ?? []),
    })),
    concurrentUsers,
    baselineCosts: costs.baseline,
    orkestrCosts: costs.orkestr,
  });
}

describe("turns side by side: bare grammY + INSERT (A) against Orkestr (B, C, D)", () => {
  bench(
    "interleaved rounds and counted turns (the figures are the tables printed above; this timing is the whole run)",
    async () => {
      const systems = await startTurnBenchSystems();
      try {
        console.log(await compareTurns(systems));
      } catch (error) {
        // What the bots logged (warnings and errors) says why a turn failed.
        for (const [name, bot] of Object.entries({ A: systems.baseline, "B, C": systems.orkestr })) {
          console.error(`${name} (${bot.process.url}) logged:\n${bot.process.output.slice(-4_000) || "nothing"}`);
        }
        throw error;
      } finally {
        await systems.stop();
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
