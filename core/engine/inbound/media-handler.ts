import type { InboundHandler } from "./inbound-handler.ts";

/**
 * A photo, document, voice message or sticker while the bot has the conversation: kept in the
 * event log, left unanswered (no step takes one as its reply, and «I did not understand» to a
 * sticker helps nobody).
 */
export const mediaHandler: InboundHandler = {
  name: "media",
  handle: ({ input }) => input.event.type === "media",
};
