import { LRUCache } from "lru-cache";
import MiniSearch from "minisearch";
import type { FaqEntry } from "./faq-schema.ts";
import { FaqTerms, sameWord } from "./faq-terms.ts";
import { generalLexicon } from "./general-lexicon.ts";
import type { Spelling } from "./spelling.ts";
import { tradeLexicons } from "./trade-lexicons.ts";

export interface FaqMatch {
  entry: FaqEntry;
  /** Ranking score (BM25 over the questions and, weighted down, the answer). */
  score: number;
  /** How sure the match is, 0–1: what answering outright and «did you mean» are decided by. */
  confidence: number;
}

/** What a knowledge base is read with: the words of shops and services in general, and of fifteen trades. */
const faqLexicon = [...generalLexicon, ...tradeLexicons];

/**
 * How the question bank counts (question-bank.ts): an entry is about a topic when one of its
 * questions is matched to it at least `linkFrom` surely, a message when it is matched at least
 * `askFrom` surely («а вы любите котиков?» is 0.55 about pets, 0.40 about a product swapped, and
 * about no entry of a shop without pets); a message about the topic then makes the entry
 * as likely as `weight` of the message's own likeness to the topic plus `withOwn` of what the
 * entry itself explains of it — never enough for an outright answer on the bank alone (`cap`
 * stays under answerFrom); the surest `candidates` entries about the message's topics are looked at
 * besides those its words found. Chosen on the development sets, never on the final one.
 */
const bankCredit = { linkFrom: 0.4, askFrom: 0.45, weight: 0.4, withOwn: 0.3, cap: 0.54, candidates: 3 };

/** At or above: answer. Between `suggestFrom` and this: offer «did you mean» buttons. */
export const faqThresholds = { answerFrom: 0.55, suggestFrom: 0.15 };

export type FaqReaction = { kind: "answer"; match: FaqMatch } | { kind: "suggest"; matches: FaqMatch[] } | { kind: "none" };

/** «Did you mean» offers only entries nearly as likely as the best: three buttons of which two are noise help nobody. */
const suggestedShareOfBest = 0.7;

/** What the bot does with a question's matches (best first): answer the best, offer buttons, or neither. */
export function faqReaction(matches: FaqMatch[]): FaqReaction {
  const [best] = matches;
  if (!best) return { kind: "none" };
  if (best.confidence >= faqThresholds.answerFrom) return { kind: "answer", match: best };
  const floor = Math.max(faqThresholds.suggestFrom, best.confidence * suggestedShareOfBest);
  const likely = matches.filter((m) => m.confidence >= floor);
  return likely.length ? { kind: "suggest", matches: likely } : { kind: "none" };
}

/** How much of an entry's evidence the answer text carries next to its questions. */
const answerWeight = 0.6;
/**
 * How much a question's term counts when the entry has it only as a lexicon concept, as
 * another form of the word, or with a typo; and how much the trigram likeness weighs in the
 * confidence. Chosen on the development sets (test/fixtures/faq-sets/development), never on the final one.
 */
const credit = { concept: 0.8, sameWord: 0.8, fuzzy: 0.5, likeness: 0.1, wholeQuestion: 0.4 };
/** A sum to work out: «17 умножить на 3», «2+2», «17 times 23» (not a size: «200×90» stays a question). */
const arithmetic =
  /\d\s*(?:[+*=]|умнож\p{L}*|раздел\p{L}*|подел\p{L}*|плюс|минус|times|multiplied|divided|plus|minus)\s*(?:на\s*|by\s*)?\d/iu;
/** Candidates the ranking looks at closely, by default. */
const candidates = 12;

interface IndexedEntry {
  questionTerms: Set<string>;
  answerTerms: Set<string>;
  /** Character trigrams of each question, for typos and word forms the stemmer misses. */
  questionGrams: Trigrams[];
  /** Each question's own terms, to tell whether a long message holds one of them whole. */
  questionTermLists: string[][];
}

/**
 * Finds knowledge-base entries for a customer's question, in Russian or English. Candidates
 * come from MiniSearch (https://lucaong.github.io/minisearch/): BM25 over stemmed terms and the
 * concepts of the general and the trades' lexicons (faq-terms.ts), fuzzy and prefix matches for typos, the
 * answer's words counted too (it often holds the customer's words: «Долями», «СБП», «до 22:00»).
 * Each candidate's confidence then weighs what share of the question it explains — each word by
 * how rare it is in the knowledge base, so «у вас» counts little and an unknown word much —
 * with the character-trigram likeness of the question to the entry's closest question. When the
 * two best are nearly as likely, neither is answered outright: the customer chooses. Given a
 * question bank, the entries about the topic the bank finds in the message are weighed too
 * (see bankCredit).
 */
export class FaqMatcher {
  private readonly search: MiniSearch<{ id: number; questions: string; answer: string }>;
  private readonly terms: FaqTerms;
  private readonly indexed: IndexedEntry[];
  /** In how many entries each term occurs. */
  private readonly entryFrequency = new Map<string, number>();
  private readonly spelling: Spelling;

  /** Each entry's topics of the question bank, with how surely its questions are about each. */
  private readonly topics: Array<Map<string, number>>;
  /** The entries about each topic. */
  private readonly entriesAbout = new Map<string, number[]>();
  private readonly bank: FaqMatcher | undefined;
  /** The topics of messages met before, when this matcher is a question bank (made at its first use as one). */
  private remembered: LRUCache<string, FaqMatch[]> | undefined;
  /** How many of MiniSearch's results are looked at closely. */
  private readonly candidates: number;

  /**
   * `lexicon`: the shipped groups of meanings it reads — the general one and the trades' by default.
   * `bank`: a matcher over the question bank's topics (question-bank.ts), whose many phrasings
   * tell what a customer asks about when the knowledge base's few questions do not.
   * `candidates`: how many of the search's results are weighed (12).
   */
  constructor(
    readonly entries: FaqEntry[],
    synonyms: string[][] = [],
    options: { lexicon?: string[][]; bank?: FaqMatcher | undefined; candidates?: number } = {},
  ) {
    this.candidates = options.candidates ?? candidates;
    this.terms = new FaqTerms(synonyms, options.lexicon ?? faqLexicon);
    this.bank = options.bank;
    this.indexed = entries.map((entry) => {
      const questionTermLists = entry.questions.map((q) => [...new Set(this.terms.of(q))]);
      const questionTerms = new Set(questionTermLists.flat());
      const answerTerms = new Set(this.terms.of(plainText(entry.answer)));
      for (const term of new Set([...questionTerms, ...answerTerms]))
        this.entryFrequency.set(term, (this.entryFrequency.get(term) ?? 0) + 1);
      return {
        questionTerms,
        answerTerms,
        questionGrams: entry.questions.map(trigrams),
        questionTermLists,
      };
    });
    this.search = new MiniSearch({
      fields: ["questions", "answer"],
      tokenize: (text) => this.terms.of(text),
      processTerm: (term) => term,
      searchOptions: {
        // A query arrives as terms already (see match).
        tokenize: (terms) => terms.split(" "),
        boost: { questions: 1, answer: answerWeight },
        fuzzy: (term) => (term.startsWith("~") ? false : term.length >= 10 ? 2 : term.length >= 7 ? 1 : false),
        prefix: (term) => !term.startsWith("~") && term.length >= 4,
        weights: { fuzzy: 0.6, prefix: 0.6 },
      },
    });
    this.spelling = this.terms.spelling(
      this.entryFrequency.keys(),
      entries.flatMap((entry) => [...entry.questions, plainText(entry.answer)]),
    );
    this.search.addAll(entries.map((entry, id) => ({ id, questions: entry.questions.join("\n"), answer: plainText(entry.answer) })));
    this.topics = entries.map((entry) => {
      const topics = new Map<string, number>();
      for (const question of this.bank ? entry.questions : []) {
        const [top] = this.bank?.topicsOf(question) ?? [];
        if (top && top.confidence >= bankCredit.linkFrom) topics.set(top.entry.id, Math.max(topics.get(top.entry.id) ?? 0, top.confidence));
      }
      return topics;
    });
    this.topics.forEach((topics, id) => {
      for (const topic of topics.keys()) this.entriesAbout.set(topic, [...(this.entriesAbout.get(topic) ?? []), id]);
    });
  }

  /** The best entries for a question, best first, at most `limit`, one per entry. */
  match(question: string, limit = 3): FaqMatch[] {
    const known = (term: string) => this.entryFrequency.has(term);
    const { words, concepts, sources } = this.terms.analyse(question, known, this.spelling);
    if (words.length === 0 || this.isOffTopic(question, concepts)) return [];
    const asked = [...new Set([...words, ...concepts])];
    // The meanings read from the same words are one piece of evidence, not several: «check» is a
    // hotel's «check-in», a clinic's «check-up», … and only one of them is meant (the best explained counts).
    const pieces = new Map<string, string[]>();
    for (const term of asked) {
      const piece = term.startsWith("~") ? `~ ${sources.get(term)}` : term;
      pieces.set(piece, [...(pieces.get(piece) ?? []), term]);
    }
    const queryGrams = trigrams(question);
    const found: Array<{ id: number; score: number; queryTerms: string[] }> = this.search
      .search(asked.join(" "), { combineWith: "OR" })
      .slice(0, this.candidates)
      .map((r) => ({ id: r.id as number, score: r.score, queryTerms: r.queryTerms }));
    // The topics the question is about, by the bank's phrasings, and the entries about them (the
    // surest few, besides those its words found).
    const asks = new Map(
      (this.bank?.topicsOf(question) ?? []).filter((m) => m.confidence >= bankCredit.askFrom).map((m) => [m.entry.id, m.confidence]),
    );
    const byTopic = (id: number) => Math.max(0, ...[...(this.topics[id]?.keys() ?? [])].map((t) => asks.get(t) ?? 0));
    const seen = new Set(found.map((r) => r.id));
    const aboutTopics = [...asks.keys()].flatMap((topic) => this.entriesAbout.get(topic) ?? []).filter((id) => !seen.has(id));
    for (const id of [...new Set(aboutTopics)].sort((a, b) => byTopic(b) - byTopic(a)).slice(0, bankCredit.candidates))
      found.push({ id, score: 0, queryTerms: [] });
    const ranked = found.map((result) => {
      const entry = this.indexed[result.id as number] as IndexedEntry;
      const fuzzy = new Set(result.queryTerms);
      let explained = 0;
      let total = 0;
      for (const piece of pieces.values()) {
        let best = 0;
        let bestWeight = Math.max(...piece.map((term) => this.weight(term)));
        for (const term of piece) {
          const found = this.explained(entry, term, fuzzy);
          if (found > best) [best, bestWeight] = [found, this.weight(term)];
        }
        total += bestWeight;
        explained += best;
      }
      const coverage = total === 0 ? 0 : explained / total;
      const likeness = Math.max(0, ...entry.questionGrams.map((grams) => cosine(queryGrams, grams)));
      return {
        entry: this.entries[result.id as number] as FaqEntry,
        score: result.score,
        confidence: Math.max(
          (1 - credit.likeness) * coverage + credit.likeness * likeness,
          Math.min(bankCredit.cap, bankCredit.weight * byTopic(result.id) + bankCredit.withOwn * coverage),
        ),
        indexed: entry,
      };
    });
    ranked.sort((a, b) => b.confidence - a.confidence || b.score - a.score);
    const [first, second] = ranked;
    // A long message that holds one of the best entry's questions whole is worth a button, however
    // much else it says («пятница вечер, хочу роллы к фильму, долго ждать придётся?»). Never an
    // outright answer on that alone: wholeQuestion stays under answerFrom.
    if (first) first.confidence = Math.max(first.confidence, credit.wholeQuestion * this.questionHeld(first.indexed, asked));
    // Two entries nearly as likely: the customer chooses between them.
    if (first && second && first.confidence - second.confidence < 0.08)
      first.confidence = Math.min(first.confidence, faqThresholds.answerFrom - 0.01);
    return ranked.slice(0, limit).map(({ indexed, ...match }) => match);
  }

  /**
   * As a question bank: the topics a message is about, best first — remembered, since every
   * knowledge base read again (a reload, another flow's own entries) asks about the same questions.
   */
  topicsOf(message: string): FaqMatch[] {
    this.remembered ??= new LRUCache<string, FaqMatch[]>({ max: 20_000 });
    let topics = this.remembered.get(message);
    if (!topics) {
      topics = this.match(message, 3);
      this.remembered.set(message, topics);
    }
    return topics;
  }

  /**
   * Arithmetic, a recipe, the weather, a joke …: nothing of a business's knowledge is like it,
   * whatever words it shares («сколько будет 17 умножить на 3» is no price), unless the
   * knowledge base itself speaks of that topic.
   */
  private isOffTopic(question: string, concepts: string[]): boolean {
    if (arithmetic.test(question)) return true;
    return concepts.some((concept) => this.terms.offTopic.has(concept) && !this.entryFrequency.has(concept));
  }

  /** How much of a term of the question the entry explains: in its questions, in its answer, as another form of the word, or a typo. */
  private explained(entry: IndexedEntry, term: string, fuzzy: Set<string>): number {
    const weight = this.weight(term);
    if (entry.questionTerms.has(term)) return weight;
    if (entry.answerTerms.has(term)) return weight * answerWeight;
    if (hasSameWord(entry.questionTerms, term)) return weight * credit.sameWord;
    if (hasSameWord(entry.answerTerms, term)) return weight * credit.sameWord * answerWeight;
    return fuzzy.has(term) ? weight * credit.fuzzy : 0;
  }

  /** The largest share of one of the entry's questions, each term by its rarity, that the asked terms hold. */
  private questionHeld(entry: IndexedEntry, asked: string[]): number {
    const askedTerms = new Set(asked);
    let held = 0;
    for (const terms of entry.questionTermLists) {
      let found = 0;
      let total = 0;
      for (const term of terms) {
        const weight = this.weight(term);
        total += weight;
        if (askedTerms.has(term)) found += weight;
        else if (hasSameWord(askedTerms, term)) found += weight * credit.sameWord;
      }
      if (total > 0) held = Math.max(held, found / total);
    }
    return held;
  }

  /** How much a term of a question counts: by its rarity, a lexicon concept a little less than a word. */
  private weight(term: string): number {
    if (this.terms.isModal(term)) return 0;
    return this.rarity(term) * (term.startsWith("~") ? credit.concept : 1);
  }

  /** A term's rarity: rare in the knowledge base says much, unknown says most (it is what nothing here explains). */
  private rarity(term: string): number {
    const n = this.entries.length;
    return Math.log(1 + (n + 1) / ((this.entryFrequency.get(term) ?? 0) + 0.5));
  }
}

function hasSameWord(terms: Set<string>, term: string): boolean {
  for (const candidate of terms) if (sameWord(term, candidate)) return true;
  return false;
}

/** The answer as words: markup and template tags left out. */
function plainText(answer: string): string {
  return answer.replace(/\{[{%][^}]*[}%]\}/g, " ").replace(/<[^>]+>/g, " ");
}

/** A text's character trigrams, counted, with the vector's length worked out once. */
interface Trigrams {
  grams: Map<string, number>;
  norm: number;
}

function trigrams(text: string): Trigrams {
  const grams = new Map<string, number>();
  const words = text
    .toLowerCase()
    .replace(/ё/g, "е")
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean);
  for (const word of words) {
    const padded = ` ${word} `;
    for (let i = 0; i + 3 <= padded.length; i++) {
      const gram = padded.slice(i, i + 3);
      grams.set(gram, (grams.get(gram) ?? 0) + 1);
    }
  }
  let squares = 0;
  for (const count of grams.values()) squares += count * count;
  return { grams, norm: Math.sqrt(squares) };
}

function cosine(a: Trigrams, b: Trigrams): number {
  if (a.norm === 0 || b.norm === 0) return 0;
  let dot = 0;
  for (const [gram, count] of a.grams) dot += count * (b.grams.get(gram) ?? 0);
  return dot / (a.norm * b.norm);
}
