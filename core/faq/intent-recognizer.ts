import { type IntentName, intentNames } from "../model/intent-name.ts";
import { defaultIntentPhrases, intentWordGroups } from "../texts/intent-phrases.ts";
import { FaqMatcher } from "./faq-matcher.ts";
import { courtesyWords, FaqTerms, sameWord } from "./faq-terms.ts";
import { generalLexicon } from "./general-lexicon.ts";
import type { Spelling } from "./spelling.ts";

/** The requests' words are few, so a slip in a word of five letters is put right too («strat»). */
const shortestCorrected = 5;

/** The endings of Russian surnames: «Человеков», «Операторова» alone are someone's name (asked for it, most likely). */
const surnameEnding = /^[а-я]+(ов|ев|ин|ын|ова|ева|ина|ына|ский|ская|цкий|цкая)$/;

/** Requests carried out at once, with nothing to confirm: taken only from a message that is mostly the request. */
const silentIntents = new Set<IntentName>(["unsubscribe", "restart"]);

/**
 * Recognises the built-in requests (a human, unsubscribe, erase my data, start over) in the
 * many ways people put them: a message is a request when it says most of one of the request's
 * examples (core/texts/intent-phrases.ts), word forms, a typo and the word groups allowed; a
 * word none of the examples has weighs against it, which is what keeps «ваш менеджер вчера
 * звонил» from being one. When two requests fit, the FAQ matcher's ranking over the examples
 * picks.
 */
export class IntentRecognizer {
  private readonly matcher: FaqMatcher;
  private readonly terms = new FaqTerms(intentWordGroups);
  /** Each intent's examples as their meaningful words (word groups folded), each once. */
  private readonly examples: Map<IntentName, string[][]>;
  /** Each intent's words, from all its examples. */
  private readonly vocabulary: Map<IntentName, Set<string>>;
  /** The words of all the intents' examples, each once. */
  private readonly allWords: string[];
  /** The small words each intent's examples use («не», «мне», «больше»). */
  private readonly smallWords: Map<IntentName, Set<string>>;
  /** What a typo is put right to: the words of the examples and word groups («unsubcribe», «аператора»). */
  private readonly spelling: Spelling;
  /** The examples' and word groups' words as written, lower case. */
  private readonly writtenWords: Set<string>;

  /** `extra`: the installation's own examples (flows/texts.yaml `intents:`, SUPPORT_KEYWORDS), beside the built-in ones. */
  constructor(extra: Partial<Record<IntentName, readonly string[]>> = {}) {
    const phrases = (id: IntentName) => [...defaultIntentPhrases[id], ...(extra[id] ?? [])];
    this.matcher = new FaqMatcher(
      intentNames.map((id) => ({ id, questions: phrases(id), answer: "—" })),
      intentWordGroups,
      // A trade's words are no request's: «заморозка» is no pause of anything here.
      { lexicon: generalLexicon },
    );
    const read = new Map(intentNames.map((id) => [id, phrases(id).map((phrase) => this.terms.analyse(phrase))]));
    const of = (id: IntentName) => read.get(id) ?? [];
    // Each word once: «start from the top» is one word twice (начать, начало), not two.
    this.examples = new Map(intentNames.map((id) => [id, of(id).map((example) => [...new Set(example.words)])]));
    this.vocabulary = new Map(intentNames.map((id) => [id, new Set(of(id).flatMap((example) => example.words))]));
    this.allWords = [...new Set(intentNames.flatMap((id) => [...(this.vocabulary.get(id) ?? [])]))];
    this.smallWords = new Map(intentNames.map((id) => [id, new Set(of(id).flatMap((example) => example.small))]));
    this.writtenWords = new Set(
      [...intentNames.flatMap(phrases), ...intentWordGroups.flat()].flatMap((text) => this.terms.wordsAsWritten(text)),
    );
    this.spelling = this.terms.spelling(
      intentNames.flatMap((id) => of(id).flatMap((example) => example.all)),
      intentNames.flatMap(phrases),
      shortestCorrected,
    );
  }

  /** The request a message makes, if it makes one clearly. */
  recognise(text: string): IntentName | undefined {
    const written = this.terms.wordsAsWritten(text);
    if (written.length === 1 && surnameEnding.test(written[0] as string) && !this.writtenWords.has(written[0] as string)) return undefined;
    const { words, small } = this.terms.analyse(text, undefined, this.spelling);
    const meant = [...new Set(words.filter((w) => !this.courtesy.has(w)))];
    // Which example words each word of the message is, worked out once for all the examples.
    const wordsMatched = meant.map((w) => this.allWords.filter((v) => sameWord(w, v)));
    const message = { meant, small, wordsMatched, said: new Set(wordsMatched.flat()) };
    const fitting = intentNames.filter((id) => this.saysAnExample(message, id));
    if (fitting.length <= 1) return fitting[0];
    const ranked = this.matcher.match(text, intentNames.length).map((m) => m.entry.id);
    return fitting.sort((a, b) => rank(ranked, a) - rank(ranked, b))[0];
  }

  /**
   * Whether the message says most of one example: «согласен» shares a word with «отзываю
   * согласие … удалить» but says none of the rest. A message of one meaningful word is a
   * request when an example is that word alone, with only such small words as the request's
   * examples use: «не пишите мне больше», «HUMAN PLEASE», but not «after the restart», «оператор
   * связи какой?» nor «name».
   */
  private saysAnExample(
    message: { meant: string[]; small: string[]; wordsMatched: string[][]; said: Set<string> },
    id: IntentName,
  ): boolean {
    const { meant, small, wordsMatched } = message;
    const vocabulary = this.vocabulary.get(id) ?? new Set<string>();
    const otherWords = wordsMatched.filter((matched) => !matched.some((v) => vocabulary.has(v))).length;
    const ownWords = otherWords === 0;
    const smallWords = this.smallWords.get(id) ?? new Set<string>();
    return (this.examples.get(id) ?? []).some((example) => {
      const said = example.filter((term) => message.said.has(term)).length;
      if (said === 0) return false;
      if (meant.length === 1 || example.length === 1)
        return example.length === 1 && meant.length === 1 && small.every((w) => smallWords.has(w));
      if (said < 2 || said / example.length < 0.5) return false;
      // Half of a longer example is enough only when the rest of the message is the request's own words.
      if (ownWords) return true;
      if (said < example.length) return false;
      // «нужен» says that something is wanted, not what: «… менеджером по продажам, нужен счёт» holds
      // «нужен консультант» whole, yet asks for an invoice.
      if (example.filter((term) => !this.terms.isModal(term)).length < 2) return false;
      // A whole example inside a longer message: enough for a person or erasure (asked to confirm), but
      // unsubscribing or starting over on «… stopped getting your promos, send them …» would lose the customer.
      return !silentIntents.has(id) || otherWords <= 1;
    });
  }

  /** Courtesy words as terms: they make a request polite or urgent without changing it. */
  private readonly courtesy = new Set(courtesyWords.map((w) => this.terms.term(w)));
}

function rank(ranked: string[], id: string): number {
  const at = ranked.indexOf(id);
  return at === -1 ? ranked.length : at;
}
