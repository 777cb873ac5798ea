/**
 * Thrown by a channel sender when the platform refused the message itself (Telegram 400, most
 * VK API errors): sending it again cannot succeed, so it is kept as failed, not retried.
 * Any other error is taken as passing trouble (network, 5xx) and retried later.
 */
export class MessageRejectedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MessageRejectedError";
  }
}
