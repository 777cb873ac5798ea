import { z } from "zod";
import { type FaqMatcher, faqThresholds } from "./faq-matcher.ts";

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

export interface FaqEvaluation {
  total: number;
  /** Top-1 entry is the expected one and shown to the customer (answered or suggested); for `null`, nothing is answered. */
  correct: number;
  /** Expected entry answered outright (confidence at or above the answer threshold). */
  answered: number;
  misses: Array<{ q: string; expected: string | null; got: string | null; confidence: number }>;
}

/** How well the matcher recognises labelled questions. */
export function evaluateFaq(matcher: FaqMatcher, cases: z.infer<typeof labelledQuestionsSchema>["cases"]): FaqEvaluation {
  const result: FaqEvaluation = { total: cases.length, correct: 0, answered: 0, misses: [] };
  for (const { q, expect: expected } of cases) {
    const [best] = matcher.match(q, 1);
    const got = best && best.confidence >= faqThresholds.suggestFrom ? best.entry.id : null;
    const ok = expected === null ? !best || best.confidence < faqThresholds.answerFrom : got === expected;
    if (ok) result.correct++;
    else result.misses.push({ q, expected, got: best?.entry.id ?? null, confidence: best?.confidence ?? 0 });
    if (expected !== null && got === expected && (best?.confidence ?? 0) >= faqThresholds.answerFrom) result.answered++;
  }
  return result;
}
