import levenshtein from "damerau-levenshtein";

/**
 * Stems shorter than this are left as typed: short words lie one letter from too many others
 * («почт»/«пачк»). Chosen on the FAQ development sets; the requests' small vocabulary takes 5.
 */
const shortestByDefault = 6;

/**
 * Puts a typed word right when it is one slip of the finger (a letter missed, added, changed or
 * two swapped) from exactly one word of a known vocabulary: «доствк» → «доставк», «strat» →
 * «start». Looked up by the words with one letter deleted (the symmetric-delete scheme), so a
 * query costs a few map reads whatever the vocabulary's size.
 */
export class Spelling {
  private readonly stems: Vocabulary;
  private readonly words: Vocabulary;

  /**
   * `stems` are checked against a typed word's stem; `words`, whole words as written, against the
   * word itself. `meaning` tells words of one meaning: a slip one letter from two spellings of
   * one word («кэшбэк»: «кешбэк», «кэшбек») is no doubt about what was meant. `base`: a
   * vocabulary read once and shared (the shipped lexicons'), whose words count as these.
   */
  constructor(
    stems: Iterable<string>,
    shortest = shortestByDefault,
    words: Iterable<string> = [],
    meaning = (word: string) => word,
    base?: Spelling,
  ) {
    this.stems = new Vocabulary(stems, shortest, (stem) => stem, base?.stems);
    this.words = new Vocabulary(words, Math.max(shortest, shortestByDefault), meaning, base?.words);
  }

  /** The known stem `stem` was meant to be, if it is one slip from exactly one; nothing for a known or short one. */
  correct(stem: string): string | undefined {
    return this.stems.correct(stem);
  }

  /**
   * The known word `word` was meant to be, as written: a slip often changes the stem the stemmer
   * finds («parkng» keeps its letters, «parking» is «park»), so the whole word is compared first.
   */
  correctWord(word: string): string | undefined {
    return this.words.correct(word);
  }
}

class Vocabulary {
  private readonly byDeletion = new Map<string, Set<string>>();
  private readonly known = new Set<string>();

  constructor(
    entries: Iterable<string>,
    private readonly shortest: number,
    private readonly meaning: (entry: string) => string,
    private readonly base?: Vocabulary,
  ) {
    for (const entry of entries) {
      if (entry.length < shortest - 1 || entry.startsWith("~") || base?.known.has(entry)) continue;
      this.known.add(entry);
      for (const variant of [entry, ...deletions(entry)]) {
        const set = this.byDeletion.get(variant) ?? new Set<string>();
        set.add(entry);
        this.byDeletion.set(variant, set);
      }
    }
  }

  correct(typed: string): string | undefined {
    if (typed.length < this.shortest || this.knows(typed)) return undefined;
    const candidates = new Map<string, string>();
    const variants = [typed, ...deletions(typed)];
    for (const vocabulary of this.base ? [this, this.base] : [this])
      for (const variant of variants)
        for (const candidate of vocabulary.byDeletion.get(variant) ?? [])
          if (candidate.length >= this.shortest - 1 && levenshtein(candidate, typed).steps <= 1)
            candidates.set(candidate, vocabulary.meaning(candidate));
    const [first] = [...candidates.keys()].sort();
    return new Set(candidates.values()).size === 1 ? first : undefined;
  }

  private knows(word: string): boolean {
    return this.known.has(word) || (this.base?.knows(word) ?? false);
  }
}

function deletions(word: string): string[] {
  return [...word].map((_, i) => word.slice(0, i) + word.slice(i + 1));
}
