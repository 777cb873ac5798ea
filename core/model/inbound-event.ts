/** What happened on a channel, already normalised by the channel adapter. */
export type InboundEvent =
  /** `/start <payload>`, a VK `ref`, or the web chat's flow picker (`flowId`). */
  | { type: "start"; payload?: string; flowId?: string }
  | { type: "text"; text: string }
  /** A press on one of our buttons; `payload` is what the button carried. */
  | { type: "button"; payload: string; label?: string };
