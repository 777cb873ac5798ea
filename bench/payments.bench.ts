import { randomUUID } from "node:crypto";
import { bench, describe } from "vitest";
import { FakeYooKassaApi } from "../test/fakes/fake-yookassa-api.ts";
import { courseSaleCustomer } from "../test/support/course-sale-customer.ts";
import { startTestApp, testConfig } from "../test/support/test-app.ts";
import type { WebChatClient } from "../test/support/web-chat-client.ts";

/**
 * A paid webhook turn side by side with an inbound text turn of the same app, in one run
 * (docs/benchmarks.md, "A paid webhook turn"). The paid turn is YooKassa's notification as the
 * app gets it: POST /payments/yookassa, the payment asked of (fake) YooKassa, the order settled
 * under the contact's lock with the flow's paid branch, the thank-you sent on the web chat. The
 * reference is a returning customer's text at a question (an email that is no email: the retry
 * is stored and sent). Rounds interleave the two; medians.
 */
const flowsDir = new URL("../flows/", import.meta.url).pathname;
const rounds = Number(process.env.PAYMENT_BENCH_ROUNDS ?? 5);
const turnsPerRound = 20;

const yookassa = await new FakeYooKassaApi({ shopId: "555", secretKey: "bench_key" }).start();
const app = await startTestApp(
  await testConfig({
    FLOWS_DIR: flowsDir,
    YOOKASSA_SHOP_ID: "555",
    YOOKASSA_SECRET_KEY: "bench_key",
    YOOKASSA_API_URL: `${yookassa.url}/v3`,
    PUBLIC_URL: "https://shop.example",
    LOG_LEVEL: "error",
  }),
);
const webhook = `${app.url}/payments/yookassa`;

/** A web chat customer of the course sale, at the email question (or, with an email, at the pay step). */
const customer = async (email?: string) => (await courseSaleCustomer(app.url, email ? { email } : {})).chat;

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
};

async function compare(): Promise<string> {
  const asking = await Promise.all(Array.from({ length: 5 }, () => customer()));
  const payers = [];
  for (let i = 0; i < rounds * turnsPerRound + 5; i++) payers.push(await customer(`payer${i}@example.com`));
  const pending = yookassa.payments.filter((p) => p.status === "pending").map((p) => p.id);
  let next = 0;
  const paidTurn = async () => {
    const id = pending[next++] as string;
    yookassa.succeed(id);
    const started = performance.now();
    const status = await yookassa.notify(webhook, "payment.succeeded", id);
    if (status !== 200) throw new Error(`the webhook answered ${status}`);
    return performance.now() - started;
  };
  const referenceTurn = async (n: number) => {
    const chat = asking[n % asking.length] as WebChatClient;
    const started = performance.now();
    await app.runtime.receive(randomUUID(), { channel: "web", externalId: chat.session }, {}, { type: "text", text: "не помню" });
    return performance.now() - started;
  };
  // Warm-up: compiled code and open connections for both.
  for (let i = 0; i < 5; i++) {
    await referenceTurn(i);
    await paidTurn();
  }
  const rows: Array<{ reference: number; paid: number }> = [];
  for (let round = 0; round < rounds; round++) {
    const reference: number[] = [];
    const paid: number[] = [];
    for (let i = 0; i < turnsPerRound; i++) {
      reference.push(await referenceTurn(i));
      paid.push(await paidTurn());
    }
    rows.push({ reference: median(reference), paid: median(paid) });
  }
  const ratios = rows.map((r) => r.paid / r.reference);
  return [
    `Paid webhook turn against an inbound text turn, ${rounds} rounds of ${turnsPerRound} each, turns one after another, medians:`,
    "",
    "| turn | median ms (round by round) | median of rounds ms | ÷ reference |",
    "| --- | --- | ---: | ---: |",
    `| reference: a returning customer's text at a question (stored retry, sent) | ${rows.map((r) => r.reference.toFixed(1)).join(" · ")} | ${median(rows.map((r) => r.reference)).toFixed(1)} | 1.00 |`,
    `| paid webhook: POST /payments/yookassa → GET payment → order settled, paid branch, thank-you sent | ${rows.map((r) => r.paid.toFixed(1)).join(" · ")} | ${median(rows.map((r) => r.paid)).toFixed(1)} | ${median(ratios).toFixed(2)} |`,
    "",
    `(${payers.length} customers brought to the pay step first; ${yookassa.createdPayments()} payments created.)`,
  ].join("\n");
}

describe("a paid webhook turn against an inbound turn (PostgreSQL + Redis + fake YooKassa)", () => {
  bench(
    "interleaved rounds (the figures are the table printed above; this timing is the whole run)",
    async () => {
      try {
        console.log(await compare());
      } finally {
        await app.stop();
        await yookassa.stop();
      }
    },
    { iterations: 1, time: 0, warmupIterations: 0, warmupTime: 0 },
  );
});
