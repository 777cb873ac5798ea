import { z } from "zod";
import { type FaqMatcher, faqReaction } from "./faq-matcher.ts";

export const labelledQuestionsSchema = z.strictObject({
  $schema: z.string().optional(),
  cases: z
    .array(
      z.strictObject({
        q: z.string().min(1).describe("A customer's message"),
        expect: z.string().nullable().describe("The entry id that should answer it, or null for none"),
      }),
    )
    .min(1),
});

export type LabelledQuestion = z.infer<typeof labelledQuestionsSchema>["cases"][number];

/** What the bot does with a message: answers one entry, offers buttons, or neither. */
type Reaction = { kind: "answer"; id: string } | { kind: "suggest"; ids: string[] } | { kind: "none" };

export interface FaqEvaluation {
  total: number;
  /** In-scope cases (an entry answers them), and those whose top entry is the right one and is shown (answered or first button). */
  inScope: number;
  top1: number;
  /** In-scope cases whose right entry ranks first, shown or not (the ranking apart from the thresholds). */
  rankedFirst: number;
  /** Outright answers given (to any case), and how many of them were right. */
  answered: number;
  answeredRight: number;
  /** In-scope cases that got «did you mean» buttons, and those whose buttons held the right entry. */
  suggested: number;
  suggestedRight: number;
  /** Out-of-scope cases, those that got no outright answer, and those that got no buttons either. */
  outOfScope: number;
  rejected: number;
  silent: number;
  misses: Array<{ q: string; expected: string | null; got: string | null; confidence: number; reaction: Reaction["kind"] }>;
}

/** What the bot would do with a message, as the FAQ responder decides it. */
function react(matcher: FaqMatcher, q: string): { reaction: Reaction; top: string | null; confidence: number } {
  const matches = matcher.match(q, 3);
  const [best] = matches;
  const reaction = faqReaction(matches);
  const base = { top: best?.entry.id ?? null, confidence: best?.confidence ?? 0 };
  if (reaction.kind === "answer") return { ...base, reaction: { kind: "answer", id: reaction.match.entry.id } };
  if (reaction.kind === "suggest") return { ...base, reaction: { kind: "suggest", ids: reaction.matches.map((m) => m.entry.id) } };
  return { ...base, reaction: { kind: "none" } };
}

/**
 * How well the matcher does on labelled questions, measured apart: the right entry on top for
 * questions it can answer, the precision of what it answers outright (wrong answers to anything,
 * off-topic included, count against it), whether «did you mean» holds the right entry, and
 * whether off-topic messages are left alone.
 */
export function evaluateFaq(matcher: FaqMatcher, cases: LabelledQuestion[]): FaqEvaluation {
  const r: FaqEvaluation = {
    total: cases.length,
    inScope: 0,
    top1: 0,
    rankedFirst: 0,
    answered: 0,
    answeredRight: 0,
    suggested: 0,
    suggestedRight: 0,
    outOfScope: 0,
    rejected: 0,
    silent: 0,
    misses: [],
  };
  for (const { q, expect: expected } of cases) {
    const { reaction, top, confidence } = react(matcher, q);
    if (reaction.kind === "answer") r.answered++;
    if (reaction.kind === "answer" && reaction.id === expected) r.answeredRight++;
    let ok: boolean;
    if (expected === null) {
      r.outOfScope++;
      ok = reaction.kind !== "answer";
      if (ok) r.rejected++;
      if (reaction.kind === "none") r.silent++;
    } else {
      r.inScope++;
      if (top === expected) r.rankedFirst++;
      ok = reaction.kind !== "none" && top === expected;
      if (ok) r.top1++;
      if (reaction.kind === "suggest") {
        r.suggested++;
        if (reaction.ids.includes(expected)) r.suggestedRight++;
      }
    }
    if (!ok) r.misses.push({ q, expected, got: top, confidence, reaction: reaction.kind });
  }
  return r;
}
