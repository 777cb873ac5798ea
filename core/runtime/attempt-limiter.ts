/**
 * Counts attempts at something that must not be tried in bulk (redeeming link codes), per
 * key (an account, an IP address), shared by all processes.
 */
export interface AttemptLimiter {
  /** Takes one attempt of `key`'s budget; false when it is used up for now. */
  attempt(key: string): Promise<boolean>;
}
