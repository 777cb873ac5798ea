import fc from "fast-check";

/** The fixture flows (test/fixtures/flows) a deep link can start, and "none" for a payload that names no flow. */
export type DeepLinkFlow = "consent" | "news" | "counter" | "promo" | "none";

/** A deep-link payload (Telegram `/start <payload>`, VK `ref`) and the flow it starts. */
export interface DeepLink {
  flow: DeepLinkFlow;
  payload: string;
}

/** A payload may carry its source after `__` (`counter__vk_ads`); one that names no flow starts the default flow. */
export const deepLink: fc.Arbitrary<DeepLink> = fc.oneof(
  fc
    .tuple(
      fc.constantFrom("consent" as const, "news" as const, "counter" as const, "promo" as const),
      fc.option(fc.stringMatching(/^[a-z0-9_]{1,20}$/)),
    )
    .map(([flow, source]) => ({ flow, payload: source === null ? flow : `${flow}__${source}` })),
  fc.stringMatching(/^[A-Za-z0-9_-]{0,60}$/).map((rest) => ({ flow: "none" as const, payload: `u${rest}` })),
);

/**
 * What the bot answers a deep link with, as each fixture flow says it. Telegram shows the
 * flows' HTML; VK gets it as plain text. The default flow greets the contact by first name.
 */
export function deepLinkReplies(link: DeepLink, { html, name }: { html: boolean; name: string }): string[] {
  switch (link.flow) {
    case "consent":
      return [html ? "Agree to <b>terms</b>?" : "Agree to terms?"];
    case "news":
      return ["Agree?"];
    case "counter":
      return ["Send anything"];
    case "promo":
      // No codes were loaded into the pool: the magnet says its fallback, then the next step.
      return ["No codes left", "Again?"];
    case "none":
      return [`Hello, ${name}!`];
  }
}

/** A Russian mobile number the way people write it (or Telegram shares it); all are valid for the consent flow's phone question. */
export const phoneNumber: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom("916", "903", "926", "905", "999", "900"), fc.stringMatching(/^\d{7}$/), fc.integer({ min: 0, max: 3 }))
  .map(([code, rest, style]) => {
    const [a, b, c] = [rest.slice(0, 3), rest.slice(3, 5), rest.slice(5)];
    return [`+7${code}${rest}`, `7${code}${rest}`, `+7 (${code}) ${a}-${b}-${c}`, `8 ${code} ${a} ${b} ${c}`][style] as string;
  });

/** Timed follow-ups of the fixture flows: they come on their own schedule, not as an answer to anything. */
const followUpTexts = [/^Reminder: press Continue$/, /^Follow-up for /, /^Marketing follow-up$/, /^News for /];

export function isFollowUp(text: string): boolean {
  return followUpTexts.some((pattern) => pattern.test(text));
}
