/** The contact as the engine sees it; built-in fields are snake_case, as in templates. */
export interface ContactView {
  id: string;
  first_name?: string | null;
  last_name?: string | null;
  username?: string | null;
  phone?: string | null;
  email?: string | null;
  /** Attribution: the first and the latest deep-link payload (or `keyword:<word>`) the contact came by. */
  first_source?: string | null;
  last_source?: string | null;
  /** Consent to process personal data in force, or null (never given, or withdrawn). */
  consent?: { version: string; at: string; channel: string } | null;
  fields: Record<string, unknown>;
  tags: string[];
  optedOut: boolean;
}

export const builtinContactFields = ["first_name", "last_name", "username", "phone", "email"] as const;

/** `contact.<name>` as templates and conditions see it: a built-in field, the attribution, or a flow's own field. */
export function contactFieldValue(contact: ContactView, name: string): unknown {
  const onContact = (builtinContactFields as readonly string[]).includes(name) || name === "first_source" || name === "last_source";
  return onContact ? contact[name as keyof ContactView] : contact.fields[name];
}
