import type { Flow } from "./flow-schema.ts";

/** The loaded flows, with the lookups that entry by trigger needs. */
export class FlowCatalog {
  private readonly flows = new Map<string, Flow>();

  constructor(flows: Flow[] = []) {
    for (const flow of flows) this.add(flow);
  }

  add(flow: Flow): void {
    const clash = this.flows.get(flow.id);
    if (clash && clash.file !== flow.file) throw new Error(`Flow id "${flow.id}" is used by ${clash.file} and ${flow.file}`);
    this.flows.set(flow.id, flow);
  }

  get(id: string): Flow | undefined {
    return this.flows.get(id);
  }

  all(): Flow[] {
    return [...this.flows.values()];
  }

  /** The flow marked `default: true`, or the only flow there is. */
  defaultFlow(): Flow | undefined {
    const all = this.all();
    return all.find((f) => f.isDefault) ?? (all.length === 1 ? all[0] : undefined);
  }

  byStartPayload(payload: string): Flow | undefined {
    return this.all().find((f) => f.triggers.some((t) => "start" in t && t.start === payload));
  }

  /** A message that equals one of a flow's keywords (case, ё/е and punctuation ignored). */
  byKeyword(text: string): Flow | undefined {
    const wanted = normaliseKeyword(text);
    if (!wanted) return undefined;
    return this.all().find((f) => f.triggers.some((t) => "keywords" in t && t.keywords.some((k) => normaliseKeyword(k) === wanted)));
  }
}

export function normaliseKeyword(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
