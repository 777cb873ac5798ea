import { loadFlowDirectory } from "../app/flow-directory.ts";
import { evaluateFaq, labelledQuestionsSchema } from "../core/faq/faq-evaluation.ts";
import { normaliseKeyword } from "../core/flow/flow-catalog.ts";
import { readYamlFile } from "../core/flow/yaml-file.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

/**
 * `orkestr faq eval <cases.yaml>`: how many labelled questions the knowledge base (of `--flows`,
 * plus `--flow`'s own entries) recognises; misses are listed; the last line is `accuracy: 0.NN`.
 * Exits 1 below `--min`.
 */
export async function faqEvalCommand(
  file: string,
  options: { flows: string; flow?: string; min: string },
  out: CliOutput,
): Promise<number> {
  const { data } = await readYamlFile(file, labelledQuestionsSchema);
  const flows = await loadFlowDirectory(options.flows);
  const flow = options.flow ? flows.get(options.flow) : undefined;
  if (options.flow && !flow) {
    out.error(`no flow "${options.flow}" in ${options.flows}`);
    return 1;
  }
  const matcher = flows.faqFor(flow);
  if (!matcher) {
    out.error(`No knowledge base: add entries to ${options.flows}/faq/*.yaml or a flow's \`faq:\``);
    return 1;
  }
  const result = evaluateFaq(matcher, data.cases);
  for (const miss of result.misses) {
    out.log(
      `✗ ${JSON.stringify(miss.q)}: expected ${miss.expected ?? "no answer"}, got ${miss.got ?? "nothing"} (confidence ${miss.confidence.toFixed(2)})`,
    );
  }
  const labelled = data.cases.filter((c) => c.expect !== null).length;
  out.log(`${result.correct} of ${result.total} recognised; ${result.answered} of ${labelled} answered without «did you mean»`);
  const accuracy = result.correct / result.total;
  out.log(`accuracy: ${accuracy.toFixed(2)}`);
  return accuracy >= Number(options.min) ? 0 : 1;
}

/** `orkestr faq unanswered`: questions the knowledge base had no answer for, most asked first. */
export async function faqUnansweredCommand(options: { limit: string }, out: CliOutput): Promise<number> {
  const database = await openAppDatabase(out);
  if (!database) return 1;
  try {
    // Grouped as people mean them: case, ё/е and punctuation ignored (the latest 10 000 are read).
    const events = await database.prisma.event.findMany({
      where: { type: "faq_unanswered" },
      orderBy: { id: "desc" },
      take: 10_000,
      select: { data: true, createdAt: true },
    });
    const groups = new Map<string, { question: string; times: number; last: Date }>();
    for (const event of events) {
      const question = String((event.data as { question?: unknown }).question ?? "").trim();
      const key = normaliseKeyword(question);
      if (!key) continue;
      const group = groups.get(key) ?? { question, times: 0, last: event.createdAt };
      group.times++;
      groups.set(key, group);
    }
    const rows = [...groups.values()]
      .sort((a, b) => b.times - a.times || b.last.getTime() - a.last.getTime())
      .slice(0, Number(options.limit));
    if (rows.length === 0) {
      out.log("No unanswered questions.");
      return 0;
    }
    for (const row of rows) out.log(`${String(row.times).padStart(4)}×  ${row.question}  (last ${row.last.toISOString().slice(0, 10)})`);
    out.log("Add the frequent ones to the knowledge base (faq/*.yaml) as entries or paraphrases.");
    return 0;
  } finally {
    await database.close();
  }
}
