import { describe, expect, it } from "vitest";
import { htmlToPlainText } from "../../core/template/html-to-plain-text.ts";
import { randomIdOf } from "./vk-channel.ts";
import { vkKeyboard } from "./vk-keyboard.ts";

describe("VK rendering", () => {
  it("turns the flow's HTML into plain text", () => {
    expect(htmlToPlainText('<b>Привет</b>, Tom &amp; &lt;Jerry&gt;!<br>См. <a href="https://x.ru">сайт</a>')).toBe(
      "Привет, Tom & <Jerry>!\nСм. сайт (https://x.ru)",
    );
  });

  it("lays out keyboards within VK's limits", () => {
    const buttons = (n: number) => Array.from({ length: n }, (_, i) => [{ label: `B${i}`, payload: `b|1|${i}|abcdef` }]);
    const parse = (n: number) => JSON.parse(vkKeyboard({ text: "x", format: "plain", buttons: buttons(n) }) as string);
    expect(parse(3)).toMatchObject({ inline: true, buttons: [[{}], [{}], [{}]] });
    expect(parse(9)).toMatchObject({ inline: true });
    expect(parse(9).buttons).toHaveLength(5);
    expect(parse(12)).toMatchObject({ inline: false, one_time: true });
    expect(parse(12).buttons).toHaveLength(3);
    expect(JSON.parse(parse(1).buttons[0][0].action.payload)).toEqual({ b: "b|1|0|abcdef" });
    expect(vkKeyboard({ text: "x", format: "plain" })).toBeUndefined();
  });

  it("derives a stable random_id per logical message", () => {
    expect(randomIdOf("web:1#0/0")).toBe(randomIdOf("web:1#0/0"));
    expect(randomIdOf("web:1#0/0")).not.toBe(randomIdOf("web:1#1/0"));
    expect(randomIdOf("x")).toBeLessThanOrEqual(0x7fffffff);
  });
});
