import { WebChatClient } from "./web-chat-client.ts";

/** What the customer sees at the pay step: the offer's text and where its pay button leads. */
export interface CourseSaleCustomer {
  chat: WebChatClient;
  offer: string;
  payUrl: string | undefined;
}

/**
 * A web chat customer of the example course sale (flows/course-sale.yaml) walked through the
 * tariff and the consent to the email question, and with an email on to the pay step.
 */
export async function courseSaleCustomer(
  appUrl: string,
  { tariff = "Базовый — 4 990 ₽", email }: { tariff?: string; email?: string } = {},
): Promise<CourseSaleCustomer> {
  const chat = new WebChatClient(appUrl);
  await chat.start("course-sale");
  await chat.waitForBotMessages(1);
  await chat.press(tariff);
  await chat.waitForBotMessages(2);
  await chat.press("Согласен");
  await chat.waitForBotMessages(3);
  if (!email) return { chat, offer: "", payUrl: undefined };
  await chat.say(email);
  await chat.waitForBotMessages(4);
  const [message] = (await chat.history()).filter((m) => m.direction === "out").slice(-1);
  const payUrl = message?.buttons?.flat().find((b) => b.label === "Оплатить")?.url;
  return { chat, offer: message?.text ?? "", payUrl };
}
