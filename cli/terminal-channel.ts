import { splitText } from "../bots/telegram/split-text.ts";
import { vkKeyboard } from "../bots/vk/vk-keyboard.ts";
import type { ChannelName } from "../core/model/channel-name.ts";
import type { OutboundButton, OutboundMessage } from "../core/model/outbound-message.ts";
import type { ChannelSender } from "../core/runtime/channel-sender.ts";
import { htmlToPlainText } from "../core/template/html-to-plain-text.ts";
import type { CliOutput } from "./cli-output.ts";

/** Telegram: message text, and a document's caption, in characters (https://core.telegram.org/bots/api). */
const limits = { text: 4096, caption: 1024 };

/**
 * Prints what the person would see on the chosen channel, in the terminal: texts split and
 * buttons laid out as that platform does, buttons numbered so a number presses them.
 */
export class TerminalChannel implements ChannelSender {
  /** The buttons a typed number presses (those of the latest message that had any). */
  buttons: OutboundButton[] = [];

  constructor(
    readonly channel: ChannelName,
    private readonly out: CliOutput,
  ) {}

  async send(_to: unknown, message: OutboundMessage): Promise<void> {
    const text = htmlToPlainText(message.text);
    const rows = this.layout(message);
    if (message.file) {
      const asCaption = this.channel !== "telegram" || text.length <= limits.caption;
      this.out.log(`🤖 📎 ${message.file.name} (${Math.max(1, Math.round(message.file.size / 1024))} KB)`);
      if (this.channel === "telegram" && !asCaption)
        this.out.log("   (text over 1024 characters: Telegram sends it as a separate message)");
    }
    for (const part of splitText(text, limits.text)) this.out.log(`🤖 ${part.replaceAll("\n", "\n   ")}`);
    if (rows.length === 0) return;
    const pressable = rows.flat();
    let number = 0;
    for (const row of rows) {
      this.out.log(`   ${row.map((b) => (b.url ? `[🔗 ${b.label} → ${b.url}]` : `[${++number}] ${b.label}`)).join("   ")}`);
    }
    this.buttons = pressable.filter((b) => !b.url);
    if (message.expects === "phone" && this.channel === "telegram") this.out.log("   (Telegram also shows a «share my number» button)");
  }

  /** Rows as the platform shows them: VK packs many buttons several per row. */
  private layout(message: OutboundMessage): OutboundButton[][] {
    if (!message.buttons?.length) return [];
    if (this.channel !== "vk") return message.buttons;
    const keyboard = JSON.parse(vkKeyboard(message) ?? "{}") as { buttons?: Array<Array<{ action: { label: string } }>> };
    const all = message.buttons.flat();
    let index = 0;
    return (keyboard.buttons ?? []).map((row) => row.map(() => all[index++] as OutboundButton));
  }
}
