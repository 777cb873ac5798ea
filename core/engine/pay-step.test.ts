import { describe, expect, it } from "vitest";
import { harness, texts } from "./engine-test-kit.ts";

const shop = `  - id: price
    ask: { type: text, text: Price?, save: vars.price }
  - id: pay
    pay: { title: Course, amount: "{{ vars.price }}", say: "Pay {{ order.amount }} RUB", paid: thanks, canceled: sorry }
  - id: thanks
    say: Thank you
    goto: done
  - id: sorry
    say: Maybe later
    goto: done
  - id: done
    end: Bye
`;

describe("pay step", () => {
  it("shows the pay button with the order's link and amount, in minor units for the store", () => {
    const h = harness(shop);
    h.send({ type: "start", flowId: "demo" });
    const [message] = h.text("4990");
    expect(message).toMatchObject({ text: "Pay 4990 RUB", buttons: [[{ label: "Оплатить", url: "https://pay.test/order-TEST01" }]] });
    expect(h.conversation()?.order).toMatchObject({ id: "order-TEST01", status: "pending", amount: 4990 });
  });

  it("charges nothing for a price that is no positive number: the customer is told, the flow error recorded", () => {
    const h = harness(shop);
    h.send({ type: "start", flowId: "demo" });
    expect(texts(h.text("free"))).toEqual([expect.stringContaining("Не получилось подготовить оплату")]);
    expect(h.events.find((e) => e.type === "payment_failed")?.data).toMatchObject({ stepId: "pay", reason: "bad_amount" });
    expect(() => h.settlePayment("paid")).toThrow("No pending order");
  });

  it("runs the paid branch once the money has arrived, and counts the purchase", () => {
    const h = harness(shop);
    h.send({ type: "start", flowId: "demo" });
    h.text("100");
    expect(texts(h.settlePayment("paid"))).toEqual(["Thank you", "Bye"]);
    expect(h.contact).toMatchObject({ orders_count: 1, total_spent: { RUB: 100 } });
  });

  it("moves a canceled payment on only while the customer still waits at the pay step", () => {
    const waiting = harness(shop);
    waiting.send({ type: "start", flowId: "demo" });
    waiting.text("100");
    expect(texts(waiting.settlePayment("canceled"))).toEqual(["Maybe later", "Bye"]);

    const movedOn = harness(shop);
    movedOn.send({ type: "start", flowId: "demo" });
    movedOn.text("100");
    // The customer started over: they wait at the first question now, not at the pay step.
    movedOn.send({ type: "start", flowId: "demo" });
    expect(texts(movedOn.settlePayment("canceled"))).toEqual([]);
  });

  it("writing at the pay step shows the same order again", () => {
    const h = harness(shop);
    h.send({ type: "start", flowId: "demo" });
    h.text("100");
    const [again] = h.text("where is the button?");
    expect(again?.buttons?.[0]?.[0]?.url).toBe("https://pay.test/order-TEST01");
  });
});
