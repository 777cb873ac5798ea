/**
 * Which budget a message draws from. A `reply` answers what the customer just wrote and goes
 * as soon as the chat's own limit allows; `bulk` is what the bot sends on its own (follow-ups,
 * later broadcasts) and is held to the platform's cap for mass sending.
 */
export type SendLane = "reply" | "bulk";

/**
 * Waits until one more message may go to `recipient` on `lane` without breaking the platform's
 * rate limits. Shared by all processes (implemented on Redis in core/pacing-redis).
 */
export interface SendPacer {
  acquire(recipient: string, lane: SendLane): Promise<void>;
}
