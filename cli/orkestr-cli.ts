import { Command, CommanderError, Option } from "commander";
import { FlowError } from "../core/flow/flow-error.ts";
import { channelNames } from "../core/model/channel-name.ts";
import { type CliOutput, consoleOutput } from "./cli-output.ts";
import { contactsEraseCommand, contactsExportCommand } from "./contacts-command.ts";
import { type EventSendOptions, eventSendCommand } from "./event-command.ts";
import { faqEvalCommand, faqUnansweredCommand } from "./faq-command.ts";
import { graphCommand } from "./graph-command.ts";
import { initCommand } from "./init-command.ts";
import { type OrdersOptions, ordersCommand, refundCommand } from "./orders-command.ts";
import { promoImportCommand, promoStatusCommand } from "./promo-command.ts";
import { type ReportSurveysOptions, reportSurveysCommand } from "./report-command.ts";
import { type SimulateOptions, simulateCommand } from "./simulate-command.ts";
import { testCommand } from "./test-command.ts";
import { validateCommand } from "./validate-command.ts";
import { type VersionsOptions, versionsCommand } from "./versions-command.ts";

/** Where the flows are: every command that reads them takes the same option. */
const flowsOption = (description: string) => new Option("--flows <folder>", description).default("flows");

/**
 * The `orkestr` command line for flow authors (commander: https://github.com/tj/commander.js).
 * Returns the exit code: 0 on success, 1 when a check fails or input is wrong.
 */
export async function runCli(argv: string[], out: CliOutput = consoleOutput): Promise<number> {
  let exitCode = 0;
  const program = new Command("orkestr")
    .description("Validate, preview, test and scaffold Orkestr flows")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.log(s.trimEnd()), writeErr: (s) => out.error(s.trimEnd()) })
    .showHelpAfterError();

  program
    .command("validate")
    .description("check flow files; problems are printed as file:line:column message")
    .argument("[paths...]", "flow files or folders", [])
    .action(async (paths: string[]) => {
      exitCode = await validateCommand(paths, out);
    });

  program
    .command("graph")
    .description("print a flow as a Mermaid flowchart (steps, buttons, branches, dashed follow-ups, stages)")
    .argument("<flow>", "flow id (from --flows) or path of a flow file")
    .addOption(flowsOption("folder of the flows"))
    .action(async (flow: string, options: { flows: string }) => {
      exitCode = await graphCommand(flow, options, out);
    });

  program
    .command("simulate")
    .description("chat with a flow in the terminal: real engine, embedded database, virtual clock (/wait 2h)")
    .argument("<flow>", "flow id (from --flows) or path of a flow file")
    .addOption(new Option("--channel <channel>", "show messages as this channel would").choices(channelNames).default("web"))
    .option("--first-name <name>", "the name the platform tells the bot (Telegram does)")
    .option("--at <time>", "start the virtual clock at this time (ISO 8601, e.g. 2026-03-02T10:00+03:00; default: now)")
    .addOption(flowsOption("folder of the flows"))
    .action(async (flow: string, options: SimulateOptions) => {
      exitCode = await simulateCommand(flow, options, out);
    });

  program
    .command("test")
    .description("run transcript tests: conversations replayed on the engine with a virtual clock")
    .argument("[paths...]", "transcript files or folders (default flows/transcripts)", [])
    .addOption(flowsOption("folder of the flows under test"))
    .action(async (paths: string[], options: { flows: string }) => {
      exitCode = await testCommand(paths, options, out);
    });

  program
    .command("versions")
    .description("list the versions of a flow the app has loaded, with what changed; --rollback restores one")
    .argument("<flow>", "flow id")
    .option("--rollback <version>", "write this version back into the flow file")
    .addOption(flowsOption("folder of the flows"))
    .action(async (flow: string, options: VersionsOptions) => {
      exitCode = await versionsCommand(flow, options, out);
    });

  const promo = program.command("promo").description("unique promo codes for magnet steps");
  promo
    .command("import")
    .description("load codes into a pool (one per line, or a CSV with codes in the first column)")
    .argument("<pool>", "pool name, as in the flow's `promo:`")
    .argument("<file>", "text or CSV file")
    .action(async (pool: string, file: string) => {
      exitCode = await promoImportCommand(pool, file, out);
    });
  promo
    .command("status")
    .description("codes per pool: issued and left")
    .argument("[pool]", "one pool only")
    .action(async (pool: string | undefined) => {
      exitCode = await promoStatusCommand(pool, out);
    });

  const contacts = program.command("contacts").description("a person's data: what is stored about them, and erasing it on request");
  contacts
    .command("export")
    .description("everything stored about a person, as JSON (152-FZ art. 14, GDPR art. 15)")
    .argument("<who>", "contact id, phone or email")
    .action(async (who: string) => {
      exitCode = await contactsExportCommand(who, out);
    });
  contacts
    .command("erase")
    .description("erase a person's personal data on their request (152-FZ art. 21, GDPR art. 17); anonymous facts remain")
    .argument("<who>", "contact id, phone or email")
    .option("--yes", "really erase (it cannot be undone)")
    .action(async (who: string, options: { yes?: boolean }) => {
      exitCode = await contactsEraseCommand(who, options, out);
    });

  const orders = program
    .command("orders")
    .description("the latest orders of pay steps, newest first")
    .option("--status <status>", "only orders in this status (pending, paid, canceled, expired, refunded, partially_refunded)")
    .option("--flow <id>", "only orders of this flow")
    .option("--since <date>", "only orders made since then (ISO date, e.g. 2026-12-01)")
    .option("--limit <n>", "at most this many", "50")
    .action(async (options: OrdersOptions) => {
      exitCode = await ordersCommand(options, out);
    });
  orders
    .command("refund")
    .description("give money back through the order's provider and record it")
    .argument("<order>", "the order id (see `orkestr orders`)")
    .argument("[amount]", "how much, in rubles (or Stars); all that is left when omitted")
    .action(async (orderId: string, amount: string | undefined) => {
      exitCode = await refundCommand(orderId, amount, out);
    });

  const event = program.command("event").description("events from other systems (the admin API's twin)");
  event
    .command("send")
    .description("post an event to the running app (POST /api/events with ADMIN_TOKEN): its contact enters the flow that waits for it")
    .argument("<type>", "the event type, e.g. order_delivered")
    .option("--phone <phone>", "the contact's phone")
    .option("--email <email>", "the contact's email")
    .option("--telegram-id <id>", "the contact's Telegram user id")
    .option("--vk-id <id>", "the contact's VK user id")
    .option("--contact-id <uuid>", "Orkestr's contact id")
    .option("--data <json>", "the event's data, as JSON (event.data in the flow)")
    .option("--id <id>", "the event's id (default: a new one; the same id twice does nothing)")
    .option("--url <url>", "where the app runs (default PUBLIC_URL, else http://127.0.0.1:PORT)")
    .action(async (type: string, options: EventSendOptions) => {
      exitCode = await eventSendCommand(type, options, out);
    });

  const report = program.command("report").description("reports on what the bots collected");
  report
    .command("surveys")
    .description("survey response rates, NPS with its 95% interval, CSAT/CES averages, detractors' comments, review-link clicks")
    .option("--survey <id>", "only this survey")
    .option("--since <when>", "only surveys sent since then: a period back from now (30d, 12h, 2w) or an ISO date (2026-12-01)")
    .option("--by <grouping>", "one row per channel, source (the contact's first deep link) or flow: channel | source | flow")
    .option("--format <format>", "text (a table), csv or json", "text")
    .action(async (options: ReportSurveysOptions) => {
      exitCode = await reportSurveysCommand(options, out);
    });

  const faq = program.command("faq").description("the knowledge base that answers customers' questions");
  faq
    .command("eval")
    .description(
      "how the knowledge base does on labelled questions: in-scope top-1, precision, «did you mean», off-topic (last line: accuracy: 0.NN)",
    )
    .argument(
      "<cases>",
      "YAML file of cases ({ q: question, expect: entry id or null }), or a folder with faq/*.yaml and labelled-questions.yaml",
    )
    .addOption(flowsOption("folder of the flows and faq/"))
    .option("--flow <id>", "include this flow's own faq entries")
    .option("--min <share>", "exit 1 below this in-scope top-1", "0.9")
    .option("--min-precision <share>", "exit 1 below this precision of outright answers")
    .option("--min-rejection <share>", "exit 1 below this share of off-topic questions not answered")
    .action(async (file: string, options: { flows: string; flow?: string; min: string; minPrecision?: string; minRejection?: string }) => {
      exitCode = await faqEvalCommand(file, options, out);
    });
  faq
    .command("unanswered")
    .description("questions customers asked that the knowledge base could not answer, most asked first")
    .option("--limit <n>", "how many", "50")
    .action(async (options: { limit: string }) => {
      exitCode = await faqUnansweredCommand(options, out);
    });

  program
    .command("init")
    .description("create a commented starter flow")
    .argument("<name>", "flow id and file name (lower-case latin letters, digits, '_' and '-')")
    .option("--dir <folder>", "where to create it", "flows")
    .action((name: string, options: { dir: string }) => {
      exitCode = initCommand(name, options, out);
    });

  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 1;
    // A broken flow file reads best as its file:line:column list.
    out.error(error instanceof FlowError ? error.message : `orkestr: ${(error as Error).message}`);
    return 1;
  }
  return exitCode;
}
