/** A question mark, or a question word first: a question rather than an answer to ours. */
export function looksLikeQuestion(text: string): boolean {
  return (
    /\?[\s!?.)]*$/.test(text) ||
    // A question word first (\b does not see Cyrillic letters, so the end is spelled out).
    /^(как|где|когда|сколько|почему|зачем|что|какой|какая|какие|можно|есть ли|how|what|where|when|why|can|do you)(?=[\s,.!?]|$)/i.test(
      text.trim(),
    )
  );
}
