import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { DateTime } from "luxon";
import parseDuration from "parse-duration";
import { Engine } from "../core/engine/engine.ts";
import type { ChannelName } from "../core/model/channel-name.ts";
import type { InboundEvent } from "../core/model/inbound-event.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationReader } from "../core/store-prisma/prisma-conversation-reader.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import type { CliOutput } from "./cli-output.ts";
import { resolveFlow } from "./graph-command.ts";
import { TerminalChannel } from "./terminal-channel.ts";
import { VirtualFollowUpTimers } from "./virtual-follow-up-timers.ts";

export interface SimulateOptions {
  channel: ChannelName;
  flows: string;
  firstName?: string;
  /** Where the virtual clock starts (ISO 8601; default: now). */
  at?: string;
}

const help = `Type a message, or the number of a button to press it.
  /wait 2h   move the clock on (follow-ups that fall due are sent)
  /state     contact fields, tags, stage, step and variables
  /start     start again · /stop opt out · /quit (or Ctrl+D) leave`;

/**
 * `orkestr simulate <flow>`: a chat in the terminal on the real engine, runtime and storage
 * (an embedded database thrown away afterwards) with a virtual clock, as the person would see
 * it on the chosen channel.
 */
export async function simulateCommand(
  flowRef: string,
  options: SimulateOptions,
  out: CliOutput,
  input: NodeJS.ReadableStream = process.stdin,
): Promise<number> {
  const resolved = await resolveFlow(flowRef, options.flows);
  if (typeof resolved === "string") {
    out.error(resolved);
    return 1;
  }
  const { flow, flows } = resolved;
  const start = options.at === undefined ? DateTime.now() : DateTime.fromISO(options.at, { setZone: true });
  if (!start.isValid) {
    out.error(
      `--at "${options.at}": write a date and time such as 2026-03-02T10:00 or 2026-03-02T10:00+03:00 (${start.invalidExplanation ?? start.invalidReason})`,
    );
    return 1;
  }
  // Times are shown where the flow's quiet hours are read: that is the clock the author thinks in.
  const zone = flow.quietHours?.zone ?? "UTC";
  const shown = (at: Date) => DateTime.fromJSDate(at, { zone }).toFormat("yyyy-MM-dd HH:mm");
  const dataDir = mkdtempSync(join(tmpdir(), "orkestr-simulate-"));
  const database = await openDatabase({ dataDir });
  try {
    let now = start.toJSDate();
    const timers = new VirtualFollowUpTimers((f) =>
      out.log(
        `⏸ a follow-up due ${shown(f.heldBackFrom)} falls in quiet hours (${flow.quietHours?.window} ${zone}): held back until ${shown(f.dueAt)}`,
      ),
    );
    const terminal = new TerminalChannel(options.channel, out);
    const runtime = new ConversationRuntime({
      engine: new Engine(flows),
      // One virtual clock for the engine, the store and the timers: every timestamp is simulated time.
      store: new PrismaConversationStore(database.prisma, { clock: () => now }),
      scheduler: timers,
      senders: [terminal],
      logger: {
        info() {},
        warn: (o, m) => out.error(`⚠ ${m ?? ""} ${JSON.stringify(o)}`),
        error: (o, m) => out.error(`✗ ${m ?? ""} ${JSON.stringify(o)}`),
      },
      clock: () => now,
    });
    const reader = new PrismaConversationReader(database.prisma);
    const address = { channel: options.channel, externalId: `simulator-${randomUUID()}` };
    const profile = options.firstName ? { first_name: options.firstName } : {};
    const receive = (event: InboundEvent) => runtime.receive(`simulate:${randomUUID()}`, address, profile, event);

    out.log(`${flow.title} (${flow.id}@${flow.version}) on ${options.channel}, ${shown(now)} ${zone}. ${help}\n`);
    await receive({ type: "start", flowId: flow.id });

    const lines = createInterface({ input, terminal: false });
    for await (const raw of lines) {
      const line = raw.trim();
      if (!line) continue;
      out.log(`🙂 ${line}`);
      if (line === "/quit" || line === "/exit") break;
      if (line === "/help") {
        out.log(help);
      } else if (line.startsWith("/wait")) {
        const ms = parseDuration(line.slice(5).trim());
        if (!ms || ms < 0) {
          out.log("   write a duration: /wait 30m, /wait 2h, /wait 1d");
          continue;
        }
        const until = new Date(now.getTime() + ms);
        for (let due = timers.takeNext(until); due; due = timers.takeNext(until)) {
          now = due.dueAt;
          out.log(`⏩ ${shown(now)} ${zone}`);
          await runtime.fireFollowUp(due.id);
        }
        now = until;
        out.log(`⏩ now ${shown(now)} ${zone}`);
      } else if (line === "/state") {
        const state = await reader.snapshot(address);
        for (const [key, value] of Object.entries(state)) out.log(`   ${key}: ${JSON.stringify(value)}`);
      } else if (/^\d+$/.test(line) && terminal.buttons.length > 0) {
        const button = terminal.buttons[Number(line) - 1];
        if (!button?.payload) out.log(`   no button ${line}; choose 1–${terminal.buttons.length}`);
        else await receive({ type: "button", payload: button.payload, label: button.label });
      } else {
        await receive({ type: "text", text: line });
      }
    }
    return 0;
  } finally {
    await database.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
