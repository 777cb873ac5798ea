import { LRUCache } from "lru-cache";
import { newStemmer } from "snowball-stemmers";
import { eng, rus } from "stopword";
import { generalLexicon } from "./general-lexicon.ts";
import { offTopicLexicon } from "./off-topic-lexicon.ts";
import { Spelling } from "./spelling.ts";

const russian = newStemmer("russian");
const english = newStemmer("english");
/** Stems already worked out: the Snowball stemmers are the dearest part of reading a message, and words repeat. */
const stemmed = new LRUCache<string, string>({ max: 50_000 });
/** Function words that say nothing about what is asked (question words stay: «как», «где» matter). */
const keptQuestionWords = new Set(["что", "как", "где", "когда", "сколько", "почему", "зачем", "how", "where", "when", "why", "what"]);
const stopWords = new Set([...rus, ...eng].filter((w) => !keptQuestionWords.has(w)));
/**
 * Words of wanting and needing: they say that something is asked, not what («курьеры нужны?» is
 * about couriers). Still words of a request («сообщения не нужны» is one), so not stop words.
 */
const modalWords = [
  "нужно",
  "нужна",
  "нужен",
  "нужны",
  "хочу",
  "хотим",
  "хотел",
  "хотела",
  "хотели",
  "хотелось",
  "могу",
  "можем",
  "need",
  "needs",
  "want",
  "wanna",
  "wants",
];
/**
 * Words that make a message polite or urgent without changing what it asks: never put right as
 * typos («привет» is no misspelt «привез»), and no part of a request (intent-recognizer.ts).
 */
export const courtesyWords: readonly string[] = [
  "привет",
  "приветик",
  "здравствуйте",
  "здрасте",
  "добрый",
  "день",
  "спасибо",
  "пожалуйста",
  "плиз",
  "плз",
  "пж",
  "срочно",
  "немедленно",
  "hello",
  "hi",
  "thanks",
  "please",
  "pls",
  "plz",
  "now",
];
const courtesy = new Set(courtesyWords);

/** A word typed with the wrong keyboard layout («ljcnfdrf» is «доставка» on a Russian keyboard). */
const latinToCyrillic = new Map(
  [..."qwertyuiop[]asdfghjkl;'zxcvbnm,.`"].map((latin, i) => [latin, "йцукенгшщзхъфывапролджэячсмитьбюё"[i] as string]),
);

/**
 * The terms a text is matched by: lower case, ё → е, punctuation and emoji dropped, stop words
 * removed, each word stemmed (Russian or English by its letters) and replaced by its synonym
 * group's first word; and the meanings it expresses: a word or phrase of the general lexicon
 * (or the knowledge base's synonyms) adds its group's concept (`~цен`), so «частями» meets
 * «рассрочка» and «до скольки» meets «часы работы». The same function indexes and reads queries.
 */
export class FaqTerms {
  private readonly canonical = new Map<string, string>();
  /** Lexicon phrases by the first four letters of their first stem: their stems, and the concept they mean. */
  private readonly phrases = new Map<string, Array<{ stems: string[]; concept: string }>>();
  /** The concepts of what no business answers (off-topic-lexicon.ts). */
  readonly offTopic = new Set<string>();
  /** The stems of every word of the lexicons and synonyms. */
  private readonly lexiconStems = new Set<string>();
  /** Those words as written. */
  private readonly lexiconWords = new Set<string>();
  /** The concepts each one-word member of a group means («кешбэк», «кэшбек»: the same one). */
  private readonly wordConcepts = new Map<string, string[]>();
  private readonly modalTerms = new Set(modalWords.map((word) => this.term(word)));

  constructor(synonyms: string[][] = []) {
    for (const group of synonyms) {
      const [head, ...rest] = group.map((word) => this.stem(normalise(word)));
      if (head) for (const word of rest) this.canonical.set(word, head);
    }
    for (const group of [...generalLexicon, ...offTopicLexicon, ...synonyms]) {
      const concept = `~${this.stems(group[0] ?? "").join("_")}`;
      if (offTopicLexicon.includes(group)) this.offTopic.add(concept);
      for (const member of group) {
        const stems = this.stems(member);
        for (const stem of stems) this.lexiconStems.add(stem);
        const words = normalise(member).split(" ");
        for (const word of words) this.lexiconWords.add(word);
        if (words.length === 1) this.wordConcepts.set(member, [...(this.wordConcepts.get(member) ?? []), concept]);
        const [first] = stems;
        if (!first) continue;
        const list = this.phrases.get(first.slice(0, 4)) ?? [];
        list.push({ stems, concept });
        this.phrases.set(first.slice(0, 4), list);
      }
    }
  }

  /** Whether a term is a word of wanting or needing, which says nothing of what is asked. */
  isModal(term: string): boolean {
    return this.modalTerms.has(term);
  }

  /** Typos put right against `terms` and `texts` (a knowledge base's) and the lexicons' words. */
  spelling(terms: Iterable<string>, texts: string[], shortest?: number): Spelling {
    const words = new Set([...this.lexiconWords, ...texts.flatMap((text) => normalise(text).split(" "))]);
    return new Spelling([...this.lexiconStems, ...terms], shortest, words, (word) => this.meaning(word));
  }

  /** What a word means, to tell two near spellings of one thing from two different words. */
  private meaning(word: string): string {
    return this.wordConcepts.get(word)?.join(" ") ?? this.term(word);
  }

  /** Words and concepts together, as indexed. */
  of(text: string, known?: (term: string) => boolean): string[] {
    const { words, concepts } = this.analyse(text, known);
    return [...words, ...concepts];
  }

  /** The meaningful words (stemmed, synonyms folded), the concepts of a text, all its words' stems, and those of its small words. */
  analyse(
    text: string,
    known?: (term: string) => boolean,
    spelling?: Spelling,
  ): { words: string[]; concepts: string[]; all: string[]; small: string[] } {
    const raw = normalise(text).split(" ").filter(Boolean);
    const fixed = known ? raw.map((word) => this.fixLayout(word, known)) : raw;
    const stems = fixed.map((word) => {
      const stem = this.stem(word);
      if (!spelling || stopWords.has(word) || courtesy.has(word) || known?.(this.canonical.get(stem) ?? stem)) return stem;
      const meant = spelling.correctWord(word);
      return meant ? this.stem(meant) : (spelling.correct(stem) ?? stem);
    });
    const concepts = new Set<string>();
    // Phrases are read with and without the small words between («как к вам добраться» is «как добраться»).
    const content = stems.filter((_, i) => !stopWords.has(fixed[i] as string));
    for (const sequence of [stems, content]) {
      sequence.forEach((stem, i) => {
        for (const { stems: phrase, concept } of this.phrases.get(stem.slice(0, 4)) ?? []) {
          if (phrase.every((s, k) => sameWord(sequence[i + k], s))) concepts.add(concept);
        }
      });
    }
    const words = fixed.flatMap((word, i) => (stopWords.has(word) ? [] : [this.canonical.get(stems[i] as string) ?? (stems[i] as string)]));
    const small = stems.filter((_, i) => stopWords.has(fixed[i] as string));
    return { words, concepts: [...concepts], all: stems, small };
  }

  /** One word (already normalised) as a term. */
  term(word: string): string {
    const stemmed = this.stem(word);
    return this.canonical.get(stemmed) ?? stemmed;
  }

  private stems(text: string): string[] {
    return normalise(text)
      .split(" ")
      .filter(Boolean)
      .map((word) => this.stem(word));
  }

  private stem(word: string): string {
    if (/^\d+$/.test(word) || word.length < 3) return word;
    let stem = stemmed.get(word);
    if (stem === undefined) {
      stem = /[а-я]/.test(word) ? russian.stem(word) : english.stem(word);
      stemmed.set(word, stem);
    }
    return stem;
  }

  /** A Latin word the knowledge base does not know that, typed on the Russian layout, is a word it knows. */
  private fixLayout(word: string, known: (term: string) => boolean): string {
    if (!/^[a-z]{3,}$/.test(word) || known(this.term(word))) return word;
    const cyrillic = [...word].map((c) => latinToCyrillic.get(c) ?? c).join("");
    return known(this.term(cyrillic)) ? cyrillic : word;
  }
}

/**
 * Two stems of one word: equal, or differing only past the sixth letter (the stemmer leaves
 * «доставл» and «доставк» apart), or one of five letters or more inside the other («пломб»,
 * «запломбирова») unless what comes before it negates it. Shorter stems must be equal: «привет» is no «привез».
 */
export function sameWord(a: string | undefined, b: string): boolean {
  if (a === undefined) return false;
  if (a === b) return true;
  if (a.startsWith("~") || b.startsWith("~") || a.length < 5 || b.length < 5) return false;
  const [short, long] = a.length <= b.length ? [a, b] : [b, a];
  let common = 0;
  while (common < short.length && a[common] === b[common]) common++;
  if (common >= 6 && common >= short.length - 1) return true;
  // «unsubscribe» is no «subscribe», «неудобно» no «удобно»: a negating prefix makes the opposite word.
  if (negatingPrefixes.some((prefix) => long.startsWith(prefix + short))) return false;
  return short.length >= 5 && long.includes(short);
}

const negatingPrefixes = ["не", "без", "бес", "un", "dis", "non"];

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
