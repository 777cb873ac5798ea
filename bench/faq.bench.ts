import { readFileSync } from "node:fs";
import { bench, describe } from "vitest";
import { parse } from "yaml";
import { labelledQuestionsSchema } from "../core/faq/faq-evaluation.ts";
import { FaqMatcher } from "../core/faq/faq-matcher.ts";
import { type FaqEntry, knowledgeBaseFileSchema } from "../core/faq/faq-schema.ts";
import { questionBank } from "../core/faq/question-bank.ts";

const flowsDir = new URL("../flows/faq/", import.meta.url);
const example = knowledgeBaseFileSchema.parse(parse(readFileSync(new URL("general.yaml", flowsDir), "utf8")));
const questions = labelledQuestionsSchema
  .parse(parse(readFileSync(new URL("eval/labelled-questions.yaml", flowsDir), "utf8")))
  .cases.map((c) => c.q);

/**
 * A 1,000-entry knowledge base: the 17 real entries plus entries made of the same vocabulary
 * (words of the real questions and answers, deterministically shuffled), so that terms overlap
 * as they do in a real base and every query hits many postings.
 */
function largeKnowledgeBase(size: number): FaqEntry[] {
  const words = [
    ...new Set(
      example.entries
        .flatMap((e) => [...e.questions, e.answer])
        .join(" ")
        .split(/[^\p{L}]+/u),
    ),
  ].filter((w) => w.length > 3);
  let seed = 7;
  const pick = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return words[seed % words.length] as string;
  };
  const synthetic = Array.from({ length: size - example.entries.length }, (_, i) => ({
    id: `synthetic-${i}`,
    questions: Array.from({ length: 4 }, () => `${pick()} ${pick()} ${pick()} ${pick()}?`),
    answer: "…",
  }));
  return [...example.entries, ...synthetic];
}

const matcher = new FaqMatcher(largeKnowledgeBase(1000), example.synonyms, { bank: questionBank() });
let next = 0;

describe("FAQ matching", () => {
  bench("one question against a 1,000-entry knowledge base (154 labelled questions in turn)", () => {
    matcher.match(questions[next++ % questions.length] as string, 3);
  });
});
