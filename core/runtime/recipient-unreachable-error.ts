/**
 * Thrown by a channel sender when the platform says the person cannot be messaged any more
 * (Telegram 403 "bot was blocked by the user", VK 901). Never retried: the runtime marks the
 * channel identity blocked and cancels the contact's follow-ups.
 */
export class RecipientUnreachableError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "RecipientUnreachableError";
  }
}
