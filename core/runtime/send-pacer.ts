/**
 * Waits until one more message may go to `recipient` without breaking the platform's rate
 * limits. Shared by all processes (implemented on Redis in core/pacing-redis).
 */
export interface SendPacer {
  acquire(recipient: string): Promise<void>;
}
