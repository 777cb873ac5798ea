/** The contact as the engine sees it; built-in fields are snake_case, as in templates. */
export interface ContactView {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  /** The contact's IANA time zone (quiet hours and caps are read in it): from the phone where its country has one, or set by a flow. */
  timezone?: string | null;
  /** Attribution: the first and the latest deep-link payload (or `keyword:<word>`) the contact came by. */
  first_source?: string | null;
  last_source?: string | null;
  /** Consent to process personal data in force, or null (never given, or withdrawn). */
  consent?: { version: string; at: string; channel: string } | null;
  fields: Record<string, unknown>;
  tags: string[];
  optedOut: boolean;
  /** Purchase facts (kept by the store as orders are paid): paid orders, money paid per currency in major units, when. */
  orders_count?: number;
  total_spent?: Record<string, number>;
  first_order_at?: string | null;
  last_order_at?: string | null;
  /** Since when support staff have the conversation (human mode: the bot keeps quiet); null when the bot has it. */
  handed_off_at?: string | null;
  /** When each survey (by survey id) was last put to the contact, in any flow (ISO). */
  surveys_sent?: Record<string, string>;
}

export const builtinContactFields = ["first_name", "last_name", "username", "phone", "email", "timezone"] as const;

/** Fields the contact has beside the built-in ones, kept by the system: attribution and purchase facts. */
export const systemContactFields = [
  "first_source",
  "last_source",
  "orders_count",
  "total_spent",
  "first_order_at",
  "last_order_at",
  "handed_off_at",
];

/** `contact.<name>` as templates and conditions see it: a built-in field, a system field, or a flow's own field. */
export function contactFieldValue(contact: ContactView, name: string): unknown {
  const onContact = (builtinContactFields as readonly string[]).includes(name) || systemContactFields.includes(name);
  return onContact ? contact[name as keyof ContactView] : contact.fields[name];
}
