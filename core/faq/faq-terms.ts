import { newStemmer } from "snowball-stemmers";
import { eng, rus } from "stopword";

const russian = newStemmer("russian");
const english = newStemmer("english");
/** Function words that say nothing about what is asked (question words stay: «как», «где» matter). */
const keptQuestionWords = new Set(["что", "как", "где", "когда", "сколько", "почему", "зачем", "how", "where", "when", "why", "what"]);
const stopWords = new Set([...rus, ...eng].filter((w) => !keptQuestionWords.has(w)));

/**
 * The terms a text is matched by: lower case, ё → е, punctuation and emoji dropped, stop words
 * removed, each word stemmed (Russian or English by its letters) and replaced by its synonym
 * group's first word. The same function indexes questions and reads queries.
 */
export class FaqTerms {
  private readonly canonical = new Map<string, string>();

  constructor(synonyms: string[][] = []) {
    for (const group of synonyms) {
      const [head, ...rest] = group.map((word) => this.stem(normalise(word)));
      if (head) for (const word of rest) this.canonical.set(word, head);
    }
  }

  of(text: string): string[] {
    return normalise(text)
      .split(" ")
      .filter((word) => word && !stopWords.has(word))
      .map((word) => this.term(word));
  }

  /** One word (already normalised) as a term. */
  term(word: string): string {
    const stemmed = this.stem(word);
    return this.canonical.get(stemmed) ?? stemmed;
  }

  private stem(word: string): string {
    if (/^\d+$/.test(word) || word.length < 3) return word;
    return /[а-я]/.test(word) ? russian.stem(word) : english.stem(word);
  }
}

function normalise(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/ё/g, "е")
      // Hyphenated words are one word: «чек-лист» is «чеклист».
      .replace(/(\p{L})-(?=\p{L})/gu, "$1")
      .replace(/[^\p{L}\p{N}]+/gu, " ")
      .trim()
  );
}
