import { FaqMatcher } from "./faq-matcher.ts";
import { orderTopics } from "./question-bank/orders.ts";
import { indirectOrderTopics } from "./question-bank/orders-indirect.ts";
import { serviceTopics } from "./question-bank/services.ts";
import { indirectServiceTopics } from "./question-bank/services-indirect.ts";
import { stayStudyCareTopics } from "./question-bank/stays-studies-care.ts";
import { indirectStayStudyCareTopics } from "./question-bank/stays-studies-care-indirect.ts";
import { careTradeTopics } from "./question-bank/trades-care.ts";
import { indirectCareTradeTopics } from "./question-bank/trades-care-indirect.ts";
import { foodStudyEventTradeTopics } from "./question-bank/trades-food-study-events.ts";
import { indirectFoodStudyEventTradeTopics } from "./question-bank/trades-food-study-events-indirect.ts";
import { stayGoodsRepairTradeTopics } from "./question-bank/trades-stays-goods-repairs.ts";
import { indirectStayGoodsRepairTradeTopics } from "./question-bank/trades-stays-goods-repairs-indirect.ts";

let shipped: FaqMatcher | undefined;
const bankCandidates = 6;

/**
 * The question bank: 75 topics customers of any business ask about (opening hours, the way
 * there, rescheduling, a late order, a late check-out, a trial lesson …), each as some 60
 * messages in Russian and English the way people write them — short, slangy, or a situation
 * around the question («застряла в пробке, минут на 20 опоздаю, примете?») — and 150 topics
 * of fifteen trades (implants, a membership freeze, a halal menu, a visa, a sofa's fabric …),
 * 35 messages each. A knowledge base's entries are linked to the topics their own questions are about; a customer's message is then
 * matched against the bank's phrasings as well, so an entry written with two questions is found
 * for the sixty ways of asking it. Written in session 15 by helpers given only the topics (the
 * trades' topics they chose themselves), who saw neither the matcher nor any knowledge base or labelled question
 * (docs/faq-evaluation.md). Built once per process, at the first knowledge base.
 */
export function questionBank(): FaqMatcher {
  if (shipped) return shipped;
  const phrasings = new Map<string, string[]>();
  for (const topic of [
    ...serviceTopics,
    ...indirectServiceTopics,
    ...orderTopics,
    ...indirectOrderTopics,
    ...stayStudyCareTopics,
    ...indirectStayStudyCareTopics,
    ...careTradeTopics,
    ...indirectCareTradeTopics,
    ...foodStudyEventTradeTopics,
    ...indirectFoodStudyEventTradeTopics,
    ...stayGoodsRepairTradeTopics,
    ...indirectStayGoodsRepairTradeTopics,
  ])
    phrasings.set(topic.id, [...(phrasings.get(topic.id) ?? []), ...topic.phrasings]);
  shipped = new FaqMatcher(
    [...phrasings].map(([id, questions]) => ({ id, questions, answer: "—" })),
    [],
    // A topic holds up to 60 phrasings: weighing one costs what a dozen entries do, and the search
    // ranks the right topic among its first few.
    { candidates: bankCandidates },
  );
  return shipped;
}
