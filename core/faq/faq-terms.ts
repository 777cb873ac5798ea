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
  /** What the shipped lexicon and the off-topic one say, read once for every knowledge base. */
  private readonly shipped: GroupReading;
  /** What the knowledge base's own synonyms say. */
  private readonly own: GroupReading;
  private readonly modalTerms = new Set(modalWords.map((word) => this.term(word)));

  /** `lexicon`: the groups of meanings shipped with Orkestr that it reads (the general one by default). */
  constructor(synonyms: string[][] = [], lexicon: string[][] = generalLexicon) {
    for (const group of synonyms) {
      const [head, ...rest] = group.map((word) => stem(normalise(word)));
      if (head) for (const word of rest) this.canonical.set(word, head);
    }
    this.shipped = readingOf(lexicon);
    this.own = new GroupReading(synonyms);
  }

  /** The concepts of what no business answers (off-topic-lexicon.ts). */
  get offTopic(): ReadonlySet<string> {
    return this.shipped.offTopic;
  }

  /** Whether a term is a word of wanting or needing, which says nothing of what is asked. */
  isModal(term: string): boolean {
    return this.modalTerms.has(term);
  }

  /** Typos put right against `terms` and `texts` (a knowledge base's) and the lexicons' words. */
  spelling(terms: Iterable<string>, texts: string[], shortest?: number): Spelling {
    const words = [...this.own.words, ...texts.flatMap((text) => normalise(text).split(" "))];
    return new Spelling([...this.own.stems, ...terms], shortest, words, (word) => this.meaning(word), this.shipped.spelling(shortest));
  }

  /** What a word means, to tell two near spellings of one thing from two different words. */
  private meaning(word: string): string {
    return (this.own.wordConcepts.get(word) ?? this.shipped.wordConcepts.get(word))?.join(" ") ?? this.term(word);
  }

  /** Words and concepts together, as indexed. */
  of(text: string, known?: (term: string) => boolean): string[] {
    const { words, concepts } = this.analyse(text, known);
    return [...words, ...concepts];
  }

  /**
   * The meaningful words (stemmed, synonyms folded), the concepts of a text with the words each
   * was read from, all its words' stems, and those of its small words.
   */
  analyse(
    text: string,
    known?: (term: string) => boolean,
    spelling?: Spelling,
  ): { words: string[]; concepts: string[]; sources: Map<string, string>; all: string[]; small: string[] } {
    const raw = normalise(text).split(" ").filter(Boolean);
    const fixed = known ? raw.map((word) => this.fixLayout(word, known)) : raw;
    const stems = fixed.map((word) => {
      const typed = stem(word);
      if (!spelling || stopWords.has(word) || courtesy.has(word) || known?.(this.canonical.get(typed) ?? typed)) return typed;
      const meant = spelling.correctWord(word);
      return meant ? stem(meant) : (spelling.correct(typed) ?? typed);
    });
    const concepts = new Set<string>();
    const sources = new Map<string, string>();
    // Phrases are read with and without the small words between («как к вам добраться» is «как добраться»).
    const content = stems.filter((_, i) => !stopWords.has(fixed[i] as string));
    for (const sequence of [stems, content]) {
      sequence.forEach((first, i) => {
        const key = first.slice(0, 4);
        for (const reading of [this.shipped, this.own])
          for (const { stems: phrase, concept } of reading.phrases.get(key) ?? []) {
            if (!phrase.every((s, k) => sameWord(sequence[i + k], s))) continue;
            concepts.add(concept);
            if (!sources.has(concept)) sources.set(concept, sequence.slice(i, i + phrase.length).join(" "));
          }
      });
    }
    const words = fixed.flatMap((word, i) => (stopWords.has(word) ? [] : [this.canonical.get(stems[i] as string) ?? (stems[i] as string)]));
    const small = stems.filter((_, i) => stopWords.has(fixed[i] as string));
    return { words, concepts: [...concepts], sources, all: stems, small };
  }

  /** A text's words as written: lower case, ё as е, hyphenated words joined, punctuation dropped. */
  wordsAsWritten(text: string): string[] {
    return normalise(text).split(" ").filter(Boolean);
  }

  /** One word (already normalised) as a term. */
  term(word: string): string {
    const stemmed = stem(word);
    return this.canonical.get(stemmed) ?? stemmed;
  }

  /** A Latin word the knowledge base does not know that, typed on the Russian layout, is a word it knows. */
  private fixLayout(word: string, known: (term: string) => boolean): string {
    if (!/^[a-z]{3,}$/.test(word) || known(this.term(word))) return word;
    const cyrillic = [...word].map((c) => latinToCyrillic.get(c) ?? c).join("");
    return known(this.term(cyrillic)) ? cyrillic : word;
  }
}

/**
 * What a list of groups says, read once: the concept each group means (`~` and its first
 * member's stems), its phrases by the first four letters of their first stem, the stems and
 * words of all its members, the concepts of each one-word member, and a typo fixer against them.
 */
class GroupReading {
  readonly phrases = new Map<string, Array<{ stems: string[]; concept: string }>>();
  readonly offTopic = new Set<string>();
  readonly stems = new Set<string>();
  readonly words = new Set<string>();
  readonly wordConcepts = new Map<string, string[]>();
  private readonly spellings = new Map<number | undefined, Spelling>();

  constructor(groups: string[][], offTopic: string[][] = []) {
    for (const group of [...groups, ...offTopic]) {
      const concept = `~${stemsOf(group[0] ?? "").join("_")}`;
      if (offTopic.includes(group)) this.offTopic.add(concept);
      for (const member of group) {
        const words = normalise(member).split(" ");
        // «ТО» is a car's service, «IT» a course, yet «то» and «it» are in every other message.
        if (words.every((word) => stopWords.has(word))) continue;
        const stems = stemsOf(member);
        for (const one of stems) this.stems.add(one);
        for (const word of words) this.words.add(word);
        if (words.length === 1 && words[0]) this.wordConcepts.set(words[0], [...(this.wordConcepts.get(words[0]) ?? []), concept]);
        const [first] = stems;
        if (!first) continue;
        const list = this.phrases.get(first.slice(0, 4)) ?? [];
        list.push({ stems, concept });
        this.phrases.set(first.slice(0, 4), list);
      }
    }
  }

  /** Typos put right against these words alone (a one-word group member's meaning is its concepts). */
  spelling(shortest: number | undefined): Spelling {
    let made = this.spellings.get(shortest);
    if (!made) {
      made = new Spelling(this.stems, shortest, this.words, (word) => this.wordConcepts.get(word)?.join(" ") ?? stem(word));
      this.spellings.set(shortest, made);
    }
    return made;
  }
}

/** The shipped lexicons as read, by the list: every knowledge base reads the same ones. */
const readings = new WeakMap<string[][], GroupReading>();

function readingOf(lexicon: string[][]): GroupReading {
  let reading = readings.get(lexicon);
  if (!reading) {
    reading = new GroupReading(lexicon, offTopicLexicon);
    readings.set(lexicon, reading);
  }
  return reading;
}

function stem(word: string): string {
  if (/^\d+$/.test(word) || word.length < 3) return word;
  let found = stemmed.get(word);
  if (found === undefined) {
    found = /[а-я]/.test(word) ? russian.stem(word) : english.stem(word);
    stemmed.set(word, found);
  }
  return found;
}

function stemsOf(text: string): string[] {
  return normalise(text)
    .split(" ")
    .filter(Boolean)
    .map((word) => stem(word));
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
