import type { OutboundMessage } from "./engine-types.ts";

/**
 * Stands for the promo code in a rendered magnet message: the engine cannot know the code (the
 * store issues it inside the turn's transaction), so it renders this and the store fills it in.
 */
export const promoCodePlaceholder = "\u2063promo-code\u2063";

/** The message as it is sent: with the issued code, or the fallback text when the pool ran out. */
export function withPromoCode(message: OutboundMessage, code: string | undefined): OutboundMessage {
  const { promo, ...rest } = message;
  if (!promo) return message;
  if (code === undefined) return { ...rest, text: promo.fallback };
  const shown = message.format === "html" ? code.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;") : code;
  return { ...rest, text: rest.text.replaceAll(promoCodePlaceholder, shown) };
}
