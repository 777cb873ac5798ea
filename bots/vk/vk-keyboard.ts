import type { OutboundButton, OutboundMessage } from "../../core/model/outbound-message.ts";

/** VK keyboard limits (https://dev.vk.com/ru/api/bots/development/keyboard). */
const inline = { maxRows: 6, maxPerRow: 5, maxButtons: 10 };
const standard = { maxRows: 10, maxPerRow: 5, maxButtons: 40 };
const maxLabel = 40;
const maxPayload = 255;

/**
 * The message's buttons as a VK keyboard (JSON string), or undefined. Up to 6 buttons stay
 * one per row under the message; up to 10 are packed two per row; more become a standard
 * keyboard below the input field, four per row. VK has no "share phone" button, so a phone
 * question is simply typed.
 */
export function vkKeyboard(message: OutboundMessage): string | undefined {
  const buttons = message.buttons?.flat() ?? [];
  if (buttons.length === 0) return undefined;
  const fitsInline = buttons.length <= inline.maxButtons;
  const perRow = buttons.length <= inline.maxRows ? 1 : fitsInline ? 2 : 4;
  const limits = fitsInline ? inline : standard;
  if (buttons.length > limits.maxButtons)
    throw new Error(`VK keyboards hold at most ${standard.maxButtons} buttons, got ${buttons.length}`);
  const rows: unknown[][] = [];
  for (let i = 0; i < buttons.length; i += perRow) rows.push(buttons.slice(i, i + perRow).map(toVkButton));
  if (rows.length > limits.maxRows || perRow > limits.maxPerRow) throw new Error("VK keyboard layout out of limits");
  return JSON.stringify({ inline: fitsInline, one_time: !fitsInline, buttons: rows });
}

function toVkButton(button: OutboundButton): unknown {
  const label = button.label.slice(0, maxLabel);
  if (button.url) return { action: { type: "open_link", link: button.url, label } };
  const payload = JSON.stringify({ b: button.payload ?? label });
  if (payload.length > maxPayload) throw new Error(`VK button payload over ${maxPayload} characters`);
  return { action: { type: "text", label, payload }, color: "secondary" };
}
