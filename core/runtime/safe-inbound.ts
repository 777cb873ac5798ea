import type { InboundEvent } from "../model/inbound-event.ts";
import { safeText } from "../model/safe-text.ts";
import type { SharedFile } from "../model/shared-file.ts";

/** VK carries at most 10 attachments in a message; more than that is not a platform's message. */
const maxFiles = 10;

import type { ContactProfile } from "./conversation-store.ts";

/** The inbound event with every text made storable and bounded (see safeText); labels and payloads at 256. */
export function safeEvent(event: InboundEvent): InboundEvent {
  switch (event.type) {
    case "text":
      return { ...event, text: safeText(event.text), ...safeFiles(event.files) };
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
        ...safeFiles(event.files),
      };
  }
}

function safeFiles(files: SharedFile[] | undefined): { files?: SharedFile[] } {
  if (files === undefined) return {};
  return {
    files: files.slice(0, maxFiles).map((file) => ({
      ...file,
      ...(file.url === undefined ? {} : { url: safeText(file.url, 2048) }),
      ...(file.name === undefined ? {} : { name: safeText(file.name, 256) }),
      ...(file.telegramFileId === undefined ? {} : { telegramFileId: safeText(file.telegramFileId, 256) }),
    })),
  };
}

/** The profile a platform sent, its names made storable and bounded. */
export function safeProfile(profile: ContactProfile): ContactProfile {
  const safe = (value: string | undefined) => (value === undefined ? undefined : safeText(value, 256));
  return { first_name: safe(profile.first_name), last_name: safe(profile.last_name), username: safe(profile.username) };
}
