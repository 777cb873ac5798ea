import MiniSearch from "minisearch";
import type { FaqEntry } from "./faq-schema.ts";
import { FaqTerms } from "./faq-terms.ts";

export interface FaqMatch {
  entry: FaqEntry;
  /** Ranking score (BM25 with fuzzy and prefix matches weighted down). */
  score: number;
  /** Share of the question's meaningful words found in the entry, 0–1. */
  confidence: number;
}

/** At or above: answer. Between `suggestFrom` and this: offer «did you mean» buttons. */
export const faqThresholds = { answerFrom: 0.6, suggestFrom: 0.3 };

/**
 * Finds knowledge-base entries for a customer's question, in Russian or English, with
 * MiniSearch (https://lucaong.github.io/minisearch/) over normalised, stemmed terms with
 * synonyms; typos are forgiven by fuzzy matching (1 edit from 7 letters, 2 from 10).
 */
export class FaqMatcher {
  private readonly search: MiniSearch<{ id: number; entry: number; text: string }>;
  private readonly terms: FaqTerms;

  constructor(
    readonly entries: FaqEntry[],
    synonyms: string[][] = [],
  ) {
    this.terms = new FaqTerms(synonyms);
    this.search = new MiniSearch({
      fields: ["text"],
      storeFields: ["entry"],
      // Terms are made by FaqTerms; MiniSearch only splits them.
      tokenize: (text) => this.terms.of(text),
      processTerm: (term) => term,
      searchOptions: {
        fuzzy: (term) => (term.length >= 10 ? 2 : term.length >= 7 ? 1 : false),
        prefix: (term) => term.length >= 4,
        weights: { fuzzy: 0.5, prefix: 0.6 },
      },
    });
    let id = 0;
    this.search.addAll(entries.flatMap((entry, index) => entry.questions.map((text) => ({ id: id++, entry: index, text }))));
  }

  /** The best entries for a question, best first, at most `limit`, one per entry. */
  match(question: string, limit = 3): FaqMatch[] {
    const asked = new Set(this.terms.of(question));
    if (asked.size === 0) return [];
    const matches: FaqMatch[] = [];
    const seen = new Set<number>();
    for (const result of this.search.search(question)) {
      const index = result.entry as number;
      if (seen.has(index)) continue;
      seen.add(index);
      // A word found as it is counts fully; one found only with a typo or as a prefix, half.
      const exact = new Set(result.terms);
      const found = [...new Set(result.queryTerms)].filter((t) => asked.has(t));
      const weight = found.reduce((sum, t) => sum + (exact.has(t) ? 1 : 0.5), 0);
      matches.push({ entry: this.entries[index] as FaqEntry, score: result.score, confidence: weight / asked.size });
      if (matches.length === limit) break;
    }
    return matches;
  }
}
