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
  private readonly byDeletion = new Map<string, Set<string>>();
  private readonly known = new Set<string>();

  constructor(
    stems: Iterable<string>,
    private readonly shortest = shortestByDefault,
  ) {
    for (const stem of stems) {
      if (stem.length < shortest - 1 || stem.startsWith("~")) continue;
      this.known.add(stem);
      for (const variant of [stem, ...deletions(stem)]) {
        const set = this.byDeletion.get(variant) ?? new Set<string>();
        set.add(stem);
        this.byDeletion.set(variant, set);
      }
    }
  }

  /** The known stem `stem` was meant to be, if it is one slip from exactly one; nothing for a known or short one. */
  correct(stem: string): string | undefined {
    if (stem.length < this.shortest || this.known.has(stem)) return undefined;
    const candidates = new Set<string>();
    for (const variant of [stem, ...deletions(stem)])
      for (const candidate of this.byDeletion.get(variant) ?? [])
        if (candidate.length >= this.shortest - 1 && levenshtein(candidate, stem).steps <= 1) candidates.add(candidate);
    return candidates.size === 1 ? [...candidates][0] : undefined;
  }
}

function deletions(word: string): string[] {
  return [...word].map((_, i) => word.slice(0, i) + word.slice(i + 1));
}
