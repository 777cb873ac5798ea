import type { InboundEvent } from "../model/inbound-event.ts";
import { safeText } from "../model/safe-text.ts";
import type { ContactProfile } from "./conversation-store.ts";

/** The inbound event with every text made storable and bounded (see safeText); labels and payloads at 256. */
export function safeEvent(event: InboundEvent): InboundEvent {
  switch (event.type) {
    case "text":
      return { ...event, text: safeText(event.text) };
    case "button":
      return {
        ...event,
        payload: safeText(event.payload, 256),
        ...(event.label === undefined ? {} : { label: safeText(event.label, 256) }),
      };
    case "start":
      return { ...event, ...(event.payload === undefined ? {} : { payload: safeText(event.payload, 256) }) };
    case "media":
      return {
        ...event,
        ...(event.caption === undefined ? {} : { caption: safeText(event.caption, 4096) }),
        ...(event.url === undefined ? {} : { url: safeText(event.url, 2048) }),
      };
  }
}

/** The profile a platform sent, its names made storable and bounded. */
export function safeProfile(profile: ContactProfile): ContactProfile {
  const safe = (value: string | undefined) => (value === undefined ? undefined : safeText(value, 256));
  return { first_name: safe(profile.first_name), last_name: safe(profile.last_name), username: safe(profile.username) };
}
