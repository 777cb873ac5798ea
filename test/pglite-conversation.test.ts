import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningOrkestr } from "../app/orkestr-app.ts";
import { startTestApp, testConfig } from "./support/test-app.ts";
import { WebChatClient } from "./support/web-chat-client.ts";

/** The default set-up of `npm run demo` and `npm start` without DATABASE_URL: embedded PGlite, real Redis. */
describe("a conversation on the embedded database (PGlite)", () => {
  let app: RunningOrkestr;
  beforeAll(async () => {
    app = await startTestApp(await testConfig({ DATABASE_URL: "" }));
  });
  afterAll(async () => {
    await app?.stop();
  });

  it("runs buttons, a question, concurrent messages and a follow-up", async () => {
    const chat = new WebChatClient(app.url);
    await chat.start("reminder");
    await chat.waitForBotMessages(1);
    await chat.press("Continue");
    await chat.waitForBotMessages(2);
    await chat.say("Eve");
    expect(await chat.waitForBotMessages(4)).toEqual(["Hello, guest!", "Your name?", "Thanks, Eve", "Follow-up for Eve"]);
    expect(await chat.state()).toMatchObject({ flowId: "reminder", stage: "evaluation", fields: { first_name: "Eve" } });

    const counter = new WebChatClient(app.url);
    await counter.start("counter");
    await counter.waitForBotMessages(1);
    await Promise.all(Array.from({ length: 8 }, (_, i) => counter.say(`m${i}`)));
    await counter.waitForBotMessages(9);
    expect((await counter.state()).fields).toMatchObject({ count: "8" });
  });
});
