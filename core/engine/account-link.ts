import type { InboundEvent } from "../model/inbound-event.ts";

const codePattern = /^(?:\/start(?:@\w+)?\s+)?(link-[A-Z0-9]{6})$/i;

/** The link code an event carries: a deep link `?start=link-K7Q2M9`, or the code typed in. */
export function linkCodeIn(event: InboundEvent): string | undefined {
  const raw = event.type === "start" ? event.payload : event.type === "text" ? event.text.trim() : undefined;
  const code = raw ? codePattern.exec(raw)?.[1] : undefined;
  return code ? `link-${code.slice(5).toUpperCase()}` : undefined;
}
