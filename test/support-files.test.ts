import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTexts } from "../core/texts/engine-texts.ts";
import { FakeTelegramApi } from "./fakes/fake-telegram-api.ts";
import { FakeVkApi } from "./fakes/fake-vk-api.ts";
import { startTestAppWithDatabase, type TestAppWithDatabase } from "./support/test-app.ts";
import { waitFor } from "./support/wait-for.ts";

const ru = engineTexts.ru;
const supportChat = -1009876543210;
const flow = "id: help\ntitle: Помощь\ndefault: true\nsteps:\n  - id: hello\n    say: Здравствуйте!\n";

/**
 * Files cross channels during a handoff: what a VK customer attaches is downloaded from VK's file
 * server and uploaded into their Telegram topic, and what staff post in the topic is downloaded
 * through the Bot API's getFile and uploaded to VK for the customer — the same bytes on both
 * sides. The real grammY and vk-io talk to fakes of both APIs; PostgreSQL and Redis are real.
 */
describe("files between a VK customer and support staff", () => {
  const telegram = new FakeTelegramApi();
  const vk = new FakeVkApi(781);
  const olga = { id: 501, first_name: "Ольга" };
  let running: TestAppWithDatabase;
  let threadId: number;

  beforeAll(async () => {
    await telegram.start();
    await vk.start();
    telegram.addSupergroup(supportChat, { title: "Поддержка" });
    const flowsDir = await mkdtemp(join(tmpdir(), "orkestr-support-files-"));
    await writeFile(join(flowsDir, "help.yaml"), flow);
    running = await startTestAppWithDatabase({
      FLOWS_DIR: flowsDir,
      TELEGRAM_BOT_TOKEN: "123:TEST-token",
      TELEGRAM_API_ROOT: telegram.url,
      SUPPORT_CHAT_ID: String(supportChat),
      // Posts are spread over Telegram's minute; a shorter window keeps the test short.
      SUPPORT_GROUP_WINDOW_SECONDS: "3",
      VK_GROUP_TOKEN: "vk1.a.test-token",
      VK_GROUP_ID: "781",
      VK_API_BASE_URL: `${vk.url}/method`,
    });
    vk.pushMessage(3001, "оператор");
    await vk.waitForSent(3001, 1);
    const topic = await waitFor(
      () => telegram.topics(supportChat).find((t) => / · VK · /.test(t.name)),
      (found) => found !== undefined,
      "the VK customer's topic",
    );
    threadId = topic?.threadId as number;
  });
  afterAll(async () => {
    await running?.stop();
    await telegram.stop();
    await vk.stop();
  });

  const posts = (count: number) =>
    waitFor(
      () => telegram.topicPosts(supportChat, threadId),
      (all) => all.length >= count,
      `${count} posts in the topic`,
    );
  const photoOf = (url: string) => ({
    type: "photo",
    photo: {
      id: 7,
      owner_id: 3001,
      album_id: -3,
      date: 0,
      sizes: [
        { type: "m", url: "", width: 130, height: 98 },
        { type: "x", url, width: 604, height: 453 },
      ],
    },
  });

  it("a VK customer's photo and document arrive in the topic as files; one VK no longer serves is named with its link", async () => {
    const [card] = await posts(1);
    expect(card?.text).toContain("VK: https://vk.com/id3001");
    const photo = vk.hostFile(randomBytes(40_000), "IMG_2041.jpg");
    vk.pushMessage(3001, "", { attachments: [photoOf(photo.url)] });
    const withPhoto = await posts(2);
    expect(withPhoto[1]?.method).toBe("sendPhoto");
    expect(withPhoto[1]?.params.photo).toMatchObject({ sha256: photo.sha256, size: 40_000 });

    const contract = vk.hostFile(randomBytes(12_345), "договор.pdf");
    vk.pushMessage(3001, "Вот договор", {
      attachments: [
        { type: "doc", doc: { id: 9, owner_id: 3001, title: "договор.pdf", size: 12_345, ext: "pdf", url: contract.url, type: 1 } },
      ],
    });
    const withDocument = await posts(4);
    expect(withDocument[2]?.text).toBe("Вот договор");
    expect(withDocument[3]?.method).toBe("sendDocument");
    expect(withDocument[3]?.params.document).toMatchObject({ sha256: contract.sha256, file_name: "договор.pdf" });

    const gone = `${vk.url}/files/999/old.jpg`;
    vk.pushMessage(3001, "", { attachments: [photoOf(gone)] });
    expect((await posts(5))[4]?.text).toBe(`[фото] ${gone}`);
  });

  it("staff's photo, document and voice message reach the VK customer as the same files, with the caption", async () => {
    const before = vk.sent(3001).length;
    const photo = telegram.pushTopicPhoto(supportChat, threadId, olga, "Схема проезда");
    const document = telegram.pushTopicDocument(supportChat, threadId, olga, "прайс.pdf", "Прайс");
    const voice = telegram.pushTopicVoice(supportChat, threadId, olga);
    const sent = await vk.waitForSent(3001, before + 3);
    expect(sent.slice(before).map((m) => m.text)).toEqual(["Схема проезда", "Прайс", ""]);
    const files = vk.attachments(3001).slice(-3);
    expect(files.map((f) => f.attachment.replace(/\d+$/, "N"))).toEqual(["photo-781_N", "doc-781_N", "audio_message-781_N"]);
    expect(files.map((f) => f.document?.sha256)).toEqual([
      telegram.fileSha256(photo),
      telegram.fileSha256(document),
      telegram.fileSha256(voice),
    ]);
    expect(files[1]?.document?.title).toBe("прайс.pdf");
  });

  it("a staff file larger than a bot may download reaches the VK customer as its caption and a word that it did not come through", async () => {
    const before = vk.sent(3001).length;
    telegram.pushTopicDocument(supportChat, threadId, olga, "видео-инструкция.zip", "Инструкция", 25 * 1024 * 1024);
    const sent = await vk.waitForSent(3001, before + 1);
    expect(sent[before]?.text).toBe(`Инструкция\n\n${ru.staffFileUndelivered}`);
    expect(sent[before]?.params.attachment).toBeUndefined();
  });
});
