import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { IntentRecognizer } from "./intent-recognizer.ts";

const recogniser = new IntentRecognizer();

describe("IntentRecognizer", () => {
  it("knows a request in words none of its examples has exactly", () => {
    expect(recogniser.recognise("Позовите, пожалуйста, оператора")).toBe("human");
    expect(recogniser.recognise("хочу поговорить с живым человеком")).toBe("human");
    expect(recogniser.recognise("I want to talk to a real person")).toBe("human");
    expect(recogniser.recognise("Отпишите меня от рассылки!")).toBe("unsubscribe");
    expect(recogniser.recognise("удалите все мои данные")).toBe("erase_data");
    expect(recogniser.recognise("давайте начнём сначала")).toBe("restart");
    expect(recogniser.recognise("переведите на сотрудника")).toBe("human");
    expect(recogniser.recognise("HUMAN PLEASE")).toBe("human");
    expect(recogniser.recognise("не пишите мне больше")).toBe("unsubscribe");
  });

  it("puts a one-letter slip right against the words the requests use", () => {
    expect(recogniser.recognise("unsubcribe")).toBe("unsubscribe");
    expect(recogniser.recognise("отпешите меня")).toBe("unsubscribe");
    expect(recogniser.recognise("позовите аператора")).toBe("human");
  });

  it("unsubscribes or starts over only on a message that is mostly the request: nothing asks to confirm those", () => {
    expect(recogniser.recognise("stop sending me messages")).toBe("unsubscribe");
    expect(recogniser.recognise("my friend stopped getting your messages, can you send the promo codes to her email?")).toBeUndefined();
    expect(recogniser.recognise("can I subscribe to your newsletter?")).toBeUndefined();
    expect(recogniser.recognise("after the restart")).toBeUndefined();
    // A person asked for inside a longer message is still asked for: staff read the rest.
    expect(recogniser.recognise("my order arrived broken, I want to talk to a human about it")).toBe("human");
  });

  it("takes no name, city, address or question for a request, even when it shares a word with one", () => {
    for (const text of [
      "Любовь",
      "Надежда",
      "Человеков",
      "Человекова",
      "Москва",
      "anna@example.com",
      "+7 916 123-45-67",
      "Согласен",
      "оператор связи какой?",
      "удалите товар из корзины",
      "name",
      "Привет name",
      "номер на двух человек",
    ])
      expect(recogniser.recognise(text), text).toBeUndefined();
  });

  /**
   * The labelled phrasings written blind (test/fixtures/intents): the even-numbered half was
   * never looked at while the examples and rules were chosen (docs/faq-evaluation.md). Floors
   * at today's figures: nothing else may be taken for a request.
   */
  it("on the held-out half of the blind set: no false request, and at least 93 % recognised", () => {
    const { cases } = parse(readFileSync(new URL("../../test/fixtures/intents/labelled-intents.yaml", import.meta.url), "utf8")) as {
      cases: Array<{ q: string; expect: string | null }>;
    };
    const heldOut = cases.filter((_, i) => i % 2 === 0);
    const wrong = heldOut.filter((c) => c.expect === null && recogniser.recognise(c.q) !== undefined).map((c) => c.q);
    const requests = heldOut.filter((c) => c.expect !== null);
    const mistaken = requests.filter((c) => recogniser.recognise(c.q) !== undefined && recogniser.recognise(c.q) !== c.expect);
    const recognised = requests.filter((c) => recogniser.recognise(c.q) === c.expect).length;
    expect(wrong).toEqual([]);
    expect(mistaken).toEqual([]);
    expect(recognised / requests.length).toBeGreaterThanOrEqual(0.93);
  });

  /**
   * A second blind list, of messages that only look like requests. One of 80 is taken today:
   * «Start» alone, which may well mean start over.
   */
  it("takes at most one of the 80 blind near-misses for a request", () => {
    const nearMisses = parse(readFileSync(new URL("../../test/fixtures/intents/near-misses.yaml", import.meta.url), "utf8")) as string[];
    expect(nearMisses.length).toBe(80);
    const taken = nearMisses.filter((text) => recogniser.recognise(text) !== undefined);
    expect(taken.length, taken.join(" | ")).toBeLessThanOrEqual(1);
  });
});
