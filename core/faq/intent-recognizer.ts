import { type IntentName, intentNames } from "../model/intent-name.ts";
import { FaqMatcher } from "./faq-matcher.ts";
import { FaqTerms, sameWord } from "./faq-terms.ts";
import { defaultIntentPhrases } from "./intent-phrases.ts";

/**
 * How sure a match must be to take a message as a request: higher than an FAQ answer's, since
 * a name or a city wrongly taken for «a human» or «start over» costs more than a missed one
 * (the customer can still press a button or type /stop).
 */
export const intentThreshold = 0.35;

/**
 * Recognises the built-in requests (a human, unsubscribe, erase my data, start over) in the
 * many ways people put them, with the FAQ matcher's reading of words over the example phrases
 * of each: word forms, typos, the general lexicon; a word none of the examples has weighs
 * against the request, which is what keeps «ваш менеджер вчера звонил» from being one.
 */
export class IntentRecognizer {
  private readonly matcher: FaqMatcher;
  private readonly terms = new FaqTerms();
  /** Each intent's examples as their meaningful words. */
  private readonly examples: Map<IntentName, string[][]>;
  /** Each intent's words, from all its examples. */
  private readonly vocabulary: Map<IntentName, string[]>;

  constructor(extra: Partial<Record<IntentName, readonly string[]>> = {}) {
    const phrases = (id: IntentName) => [...defaultIntentPhrases[id], ...(extra[id] ?? [])];
    this.matcher = new FaqMatcher(intentNames.map((id) => ({ id, questions: phrases(id), answer: "—" })));
    this.examples = new Map(intentNames.map((id) => [id, phrases(id).map((p) => this.terms.analyse(p).words)]));
    this.vocabulary = new Map(intentNames.map((id) => [id, [...new Set((this.examples.get(id) ?? []).flat())]]));
  }

  /** The request a message makes, if it makes one clearly. */
  recognise(text: string): IntentName | undefined {
    const [best] = this.matcher.match(text, 2);
    if (!best || best.confidence < intentThreshold) return undefined;
    const id = best.entry.id as IntentName;
    const { words, all } = this.terms.analyse(text);
    return this.saysAnExample(words, all, id) ? id : undefined;
  }

  /**
   * Whether the message says most of one example: «согласен» shares a word with «отзываю
   * согласие … удалить» but says none of the rest, and a one-word example («оператор») is a
   * request only when the message is that word alone, not «оператор связи какой?».
   */
  private saysAnExample(words: string[], all: string[], id: IntentName): boolean {
    const meant = words.filter((w) => !this.courtesy.has(w));
    // «after the restart» is no request to restart: a one-word example is the whole message, small words and all.
    const whole = all.filter((w) => !this.courtesy.has(w));
    return (this.examples.get(id) ?? []).some((example) => {
      if (example.length === 0) return false;
      const said = example.filter((term) => meant.some((w) => sameWord(w, term))).length;
      if (example.length === 1) return said === 1 && whole.length === 1;
      if (said / example.length < 0.5) return false;
      // Half of a short example is enough only when the rest of the message is the request's own words.
      return said === example.length || meant.every((w) => this.vocabulary.get(id)?.some((v) => sameWord(w, v)));
    });
  }

  /** Words that make a request polite or urgent without changing it. */
  private readonly courtesy = new Set(
    [
      "пожалуйста",
      "плиз",
      "плз",
      "пж",
      "срочно",
      "немедленно",
      "здравствуйте",
      "привет",
      "добрый",
      "день",
      "please",
      "pls",
      "plz",
      "now",
      "hi",
      "hello",
    ].map((w) => this.terms.term(w)),
  );
}
