import { FlowCatalog } from "../../flow/flow-catalog.ts";
import { FlowLoader } from "../../flow/flow-loader.ts";
import type { InboundEvent } from "../../model/inbound-event.ts";
import { FlowHarness } from "../flow-harness.ts";
import type { InboundContext, InboundHandler } from "./inbound-handler.ts";

/**
 * For the unit tests of inbound handlers: a harness on small flows (brought to a state with
 * its usual `send`), and one handler run alone on the next event, with what it decided.
 */
export function handlerHarness(flows: Record<string, string>, options: { knowledge?: FlowCatalog["knowledge"] } = {}): FlowHarness {
  const loader = new FlowLoader();
  const loaded = Object.entries(flows).map(([id, body]) => loader.parse(`id: ${id}\ntitle: ${id}\n${body}`, `${id}.yaml`));
  return new FlowHarness(new FlowCatalog(loaded, [], options.knowledge));
}

export function runHandler(handler: InboundHandler, harness: FlowHarness, event: InboundEvent) {
  const context: InboundContext = harness.engine.inboundContext(harness.input(event));
  const handled = handler.handle(context);
  const result = context.turn.result();
  return {
    handled,
    result,
    texts: result.outbound.map((o) => o.message.text),
    /** Event types recorded beyond the inbound message itself. */
    events: result.events.map((e) => e.type).filter((type) => type !== "message_in"),
  };
}
