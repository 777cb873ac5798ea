import { stat } from "node:fs/promises";
import { join } from "node:path";
import { loadFlowDirectory, loadKnowledgeBaseDirectory } from "../app/flow-directory.ts";
import { evaluateFaq, labelledQuestionsSchema } from "../core/faq/faq-evaluation.ts";
import { FaqMatcher } from "../core/faq/faq-matcher.ts";
import { questionBank } from "../core/faq/question-bank.ts";
import { normaliseKeyword } from "../core/flow/flow-catalog.ts";
import { readYamlFile } from "../core/flow/yaml-file.ts";
import { openAppDatabase } from "./app-database.ts";
import type { CliOutput } from "./cli-output.ts";

/** Shares as the report prints them: 0.NN, or — when nothing was counted. */
const share = (part: number, whole: number) => (whole === 0 ? "—" : (part / whole).toFixed(2));

/**
 * `orkestr faq eval <cases.yaml | folder>`: how the knowledge base (of `--flows`, plus `--flow`'s
 * own entries; or, given a folder, its `faq/*.yaml` alone and its `labelled-questions.yaml`)
 * does on labelled questions. Misses are listed, then the measures apart: in-scope top-1,
 * precision of outright answers, «did you mean» hits, off-topic rejected; the last line is
 * `accuracy: 0.NN` (all cases right). Exits 1 below any of `--min`, `--min-precision`, `--min-rejection`.
 */
export async function faqEvalCommand(
  target: string,
  options: { flows: string; flow?: string; min: string; minPrecision?: string; minRejection?: string },
  out: CliOutput,
): Promise<number> {
  const isFolder = (await stat(target)).isDirectory();
  const { data } = await readYamlFile(isFolder ? join(target, "labelled-questions.yaml") : target, labelledQuestionsSchema);
  let matcher: FaqMatcher | undefined;
  if (isFolder) {
    const knowledge = await loadKnowledgeBaseDirectory(target);
    matcher = new FaqMatcher(knowledge.entries, knowledge.synonyms, { bank: questionBank() });
  } else {
    const flows = await loadFlowDirectory(options.flows);
    const flow = options.flow ? flows.get(options.flow) : undefined;
    if (options.flow && !flow) {
      out.error(`no flow "${options.flow}" in ${options.flows}`);
      return 1;
    }
    matcher = flows.faqFor(flow);
  }
  if (!matcher) {
    out.error(`No knowledge base: add entries to ${options.flows}/faq/*.yaml or a flow's \`faq:\``);
    return 1;
  }
  const r = evaluateFaq(matcher, data.cases);
  for (const miss of r.misses) {
    const did = miss.reaction === "answer" ? "answered" : miss.reaction === "suggest" ? "suggested" : "nothing shown; best";
    out.log(
      `✗ ${JSON.stringify(miss.q)}: expected ${miss.expected ?? "no answer"}, ${did} ${miss.got ?? "nothing"} (confidence ${miss.confidence.toFixed(2)})`,
    );
  }
  const precision = r.answered === 0 ? 1 : r.answeredRight / r.answered;
  const rejection = r.outOfScope === 0 ? 1 : r.rejected / r.outOfScope;
  out.log(`in-scope top-1: ${share(r.top1, r.inScope)} (${r.top1} of ${r.inScope}; ranked first, shown or not: ${r.rankedFirst})`);
  out.log(`answered outright: ${r.answered}, right ${r.answeredRight}: precision ${share(r.answeredRight, r.answered)}`);
  out.log(`«did you mean»: ${r.suggested} in-scope questions, right entry among the buttons ${share(r.suggestedRight, r.suggested)}`);
  out.log(
    `off-topic: ${r.outOfScope}, not answered ${share(r.rejected, r.outOfScope)}, no buttons either ${share(r.silent, r.outOfScope)}`,
  );
  const accuracy = (r.top1 + r.rejected) / r.total;
  out.log(`accuracy: ${accuracy.toFixed(2)}`);
  const below = [
    r.inScope > 0 && r.top1 / r.inScope < Number(options.min) ? "in-scope top-1" : "",
    options.minPrecision !== undefined && precision < Number(options.minPrecision) ? "precision" : "",
    options.minRejection !== undefined && rejection < Number(options.minRejection) ? "off-topic rejection" : "",
  ].filter(Boolean);
  if (below.length) out.error(`below the minimum: ${below.join(", ")}`);
  return below.length ? 1 : 0;
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
