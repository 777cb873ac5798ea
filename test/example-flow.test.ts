import { describe, expect, it } from "vitest";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { FlowHarness } from "../core/engine/flow-harness.ts";

const flowsDir = new URL("../flows/", import.meta.url).pathname;

/** The example flow that the demo runs, walked end to end on a virtual clock. */
describe("flows/checklist-funnel.yaml", () => {
  const start = async () => {
    const h = new FlowHarness(await loadFlowDirectory(flowsDir));
    return { h, first: h.send({ type: "start", payload: "checklist" }) };
  };

  it("captures name and email, tags the lead, qualifies and books a call", async () => {
    const { h, first } = await start();
    expect(first[0]?.text).toContain("Привет, друг!");
    h.press("Получить чек-лист", first);
    const consent = h.text("Анна");
    expect(consent[0]?.text).toMatch(/^Анна, чтобы прислать чек-лист, нам нужно ваше согласие/);
    expect(h.press("Согласен", consent)[0]?.text).toBe("Анна, куда прислать чек-лист? Напишите email.");
    expect(h.contact.consent).toMatchObject({ version: "2026-11", channel: "web" });
    expect(h.text("anna@")[0]?.text).toContain("Похоже, в адресе опечатка");
    const afterEmail = h.text("Anna@Example.com");
    expect(afterEmail.map((m) => m.text)).toEqual([
      "Готово! Вот ваш чек-лист, копия уже летит на anna@example.com.",
      "Чтобы подсказать, с чего начать, — какой у вас бюджет на рекламу в месяц?",
    ]);
    expect(afterEmail[0]?.file).toMatchObject({ name: "checklist-10-oshibok.pdf", path: `${flowsDir}files/checklist-10-oshibok.pdf` });
    expect(h.contact.tags).toEqual(["lead", "checklist"]);
    const offer = h.press("50–300 тыс. ₽", afterEmail);
    expect(offer[0]?.text).toContain("При бюджете 50–300 тыс. ₽");
    expect(h.conversation()?.stage).toBe("deal");
    expect(h.contact.fields.budget).toBe("50–300 тыс. ₽");
    h.press("Да, запишите", offer);
    const booked = h.text("8 916 123 45 67");
    expect(booked.map((m) => m.text)).toEqual([
      "Спасибо! Менеджер позвонит на +79161234567 в течение рабочего дня.",
      "Хорошего дня! Если появятся вопросы — просто напишите.",
    ]);
    expect(h.contact.tags).toContain("call_booked");
    expect(h.advance("2d")).toEqual([]);
  });

  it("reminds about the checklist after an hour, and about the call offer after a day", async () => {
    const { h, first } = await start();
    expect(h.advance("1h").map((m) => m.text)).toEqual(["Чек-лист всё ещё ждёт вас 🙂 Нажмите «Получить чек-лист»."]);
    h.press("Получить чек-лист", first);
    h.press("Согласен", h.text("Олег"));
    const budget = h.text("oleg@example.com");
    h.press("Больше 300 тыс. ₽", budget);
    expect(h.advance("1d").map((m) => m.text)).toEqual([
      "Напоминаю про бесплатный разбор рекламы — на этой неделе осталось 3 свободных слота.",
    ]);
  });

  it("sends a small budget to the short advice and ends", async () => {
    const { h, first } = await start();
    h.press("Получить чек-лист", first);
    h.press("Согласен", h.text("Ира"));
    const budget = h.text("ira@example.com");
    const end = h.press("До 50 тыс. ₽", budget);
    expect(end[0]?.text).toContain("начните с ошибок №1, №4 и №7");
    expect(h.conversation()?.status).toBe("ended");
  });
});
