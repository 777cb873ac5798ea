/**
 * The vocabulary of the inbound fuzz test (test/inbound-fuzz.test.ts): what one door of the app
 * is sent and what it must do with it. Each door (Telegram webhook, VK Callback API, web chat)
 * turns its generated plans into these cases; test/support/fuzz-runner.ts runs them.
 */

/** One HTTP request to the app. */
export interface DoorRequest {
  method: "GET" | "POST";
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The app refuses it before reading it (413) and hangs up: sent on a connection of its own. */
  ownConnection?: boolean;
  /** Headers known only when it is sent (the web chat's session cookie, opened then). */
  lateHeaders?: () => Promise<Record<string, string>>;
}

/** What the app must answer a request with. */
export interface ExpectedAnswer {
  status: number;
  /** The exact body, where the platform reads it (VK wants "ok"). */
  body?: string;
}

/** One message the bot sent to an address: its text and its buttons (label and the data a press sends back). */
export interface BotReply {
  text: string;
  buttons: Array<{ label: string; data: string }>;
}

/** A request on its own: malformed, forged, oversized or one the bot has nothing to say to. */
export interface SingleCase {
  type: "single";
  /** What kind of input it is, for the failure message and the per-kind checks. */
  kind: string;
  request: DoorRequest;
  expected: ExpectedAnswer;
  /** Kept in RejectedInbound under this key (null: the update had no id of its own). */
  rejectedKey?: string | null;
  /** An address the request names, which must get no message from it. */
  silentAddress?: string;
}

/** One step of a person's conversation: a request and the answers the flow gives to it. */
export interface ConversationStep {
  /**
   * The request; a press is built from what the bot said so far (the data of a button it was
   * shown), so it is sent once the replies to the steps before it are there. Other steps go as
   * soon as the one before was acknowledged: the app answers a webhook after the turn is stored.
   */
  request: DoorRequest | ((replies: BotReply[]) => DoorRequest);
  expected: ExpectedAnswer;
  /** Fragments of the bot's replies to this step, in order, follow-ups aside; none for a redelivery. */
  replies: string[];
  /** Sent this many times at once, as a redelivery that races the original. */
  copies?: number;
}

/** A person at one address: every step must be acknowledged and answered as the flow says, once. */
export interface ConversationCase {
  type: "conversation";
  kind: string;
  address: string;
  steps: ConversationStep[];
}

export type FuzzCase = SingleCase | ConversationCase;

/** A door of the app as the fuzz test drives it: it builds cases from plans and reads what the bot sent. */
export interface FuzzDoor<Plan> {
  readonly name: string;
  build(plan: Plan): FuzzCase;
  /** The bot's messages to an address so far, in order, without the flows' timed follow-ups. */
  replies(address: string): Promise<BotReply[]>;
}

/**
 * How many updates a platform plan sends: a counter conversation one per text after its start
 * (and its redelivery), the consent conversation three, anything else one.
 */
export function updatesOf(plan: { type: string; texts?: unknown[]; redelivery?: string }): number {
  if (plan.type === "counter") return 1 + (plan.texts?.length ?? 0) + (plan.redelivery === "none" ? 0 : 1);
  return plan.type === "consent" ? 3 : 1;
}
