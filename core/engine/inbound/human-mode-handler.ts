import type { MediaKind } from "../../model/inbound-event.ts";
import type { InboundHandler } from "./inbound-handler.ts";

/** How a file the customer sent is named in the topic where it cannot be copied. */
const mediaLabels: Record<MediaKind, string> = {
  photo: "фото",
  document: "документ",
  voice: "голосовое сообщение",
  sticker: "стикер",
  video: "видео",
  other: "вложение",
};

/**
 * While support staff have the conversation the bot keeps quiet: whatever the customer sends
 * goes to their topic in the support group (a Telegram file is copied there as it is), and nothing else of the pipeline runs (/stop,
 * before this, still works).
 */
export const humanModeHandler: InboundHandler = {
  name: "human-mode",
  handle({ input, turn }) {
    if (!input.contact.handed_off_at) return false;
    const { event } = input;
    const text =
      event.type === "text"
        ? event.text
        : event.type === "button"
          ? `[кнопка] ${event.label ?? event.payload}`
          : event.type === "media"
            ? [`[${mediaLabels[event.kind]}]`, event.caption, event.url].filter(Boolean).join(" ")
            : `[/start${event.payload ? ` ${event.payload}` : ""}]`;
    const copy = event.type === "media" ? event.copy : undefined;
    turn.effect((position) => ({
      type: "post_to_support",
      flowId: input.currentFlowId,
      position,
      post: { kind: "customer", message: { ...turn.plain(text), ...(copy ? { copy } : {}) } },
    }));
    return true;
  },
};
