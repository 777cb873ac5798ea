/**
 * Splits a text into parts of at most `limit` characters (Telegram: 4096 per message), at a
 * paragraph break if there is one, else a line break, else a sentence end, else a space.
 */
export function splitText(text: string, limit: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const window = rest.slice(0, limit + 1);
    const cut = [/\n\n(?![\s\S]*\n\n)/, /\n(?![\s\S]*\n)/, /[.!?…](?=\s)(?![\s\S]*[.!?…]\s)/, / (?![\s\S]* )/]
      .map((pattern) => pattern.exec(window))
      .find((match) => match && match.index > limit / 2);
    const end = cut ? cut.index + (cut[0].trim() ? cut[0].length : 0) : limit;
    parts.push(rest.slice(0, end).trimEnd());
    rest = rest.slice(end).trimStart();
  }
  if (rest) parts.push(rest);
  return parts;
}
