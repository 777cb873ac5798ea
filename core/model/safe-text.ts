/** Longer texts are cut: no platform sends more (Telegram 4096, VK 4096 characters) and matching need not read a novel. */
const maxInboundTextLength = 8192;

/** NUL, a high surrogate not followed by a low one, a low surrogate not preceded by a high one. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: NUL is exactly what is replaced.
const unsafe = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text from outside made safe to store and match: PostgreSQL refuses NUL in text and JSON
 * columns, and a lone UTF-16 surrogate (half an emoji, cut by a client) is not valid Unicode;
 * both become U+FFFD. Over-long texts are cut at `maxLength` (never inside a surrogate pair).
 */
export function safeText(text: string, maxLength = maxInboundTextLength): string {
  const clean = text.replace(unsafe, "\uFFFD");
  if (clean.length <= maxLength) return clean;
  const cut = clean.slice(0, maxLength);
  return /[\uD800-\uDBFF]$/.test(cut) ? cut.slice(0, -1) : cut;
}
