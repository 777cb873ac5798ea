/**
 * The platform asked to wait this long before sending again (Telegram's 429 `retry_after`
 * beyond what the channel waits out itself). The message is retried after exactly that, for
 * as long as the platform keeps asking: it is flood control, not a failure of the message.
 */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "RetryLaterError";
  }
}
