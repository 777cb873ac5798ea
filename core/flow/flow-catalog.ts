import parseDuration from "parse-duration";
import { FaqMatcher } from "../faq/faq-matcher.ts";
import { emptyKnowledgeBase, type KnowledgeBase } from "../faq/knowledge-base.ts";
import { questionBank } from "../faq/question-bank.ts";
import type { FileAttachment } from "../model/outbound-message.ts";
import type { Flow } from "./flow-schema.ts";
import type { InstallationTexts } from "./installation-texts.ts";

/**
 * The loaded flows, with the lookups that entry by trigger needs, plus older versions that
 * conversations in progress still run on. `replace` swaps everything at once (reload).
 */
export class FlowCatalog {
  private flows = new Map<string, Flow>();
  private older = new Map<string, Flow>();
  private matchers = new Map<string, FaqMatcher>();

  constructor(
    flows: Flow[] = [],
    olderVersions: Flow[] = [],
    public knowledge: KnowledgeBase = emptyKnowledgeBase,
    /** The installation's language and wording of the bot's own phrases (flows/texts.yaml); a flow's own go over them. */
    public installationTexts: InstallationTexts = {},
  ) {
    for (const flow of flows) this.add(flow);
    for (const flow of olderVersions) this.addOlderVersion(flow);
  }

  /** Takes over the flows of `other` (a reload); turns in progress see either all old or all new. */
  replace(other: FlowCatalog): void {
    this.flows = other.flows;
    this.older = other.older;
    this.knowledge = other.knowledge;
    this.installationTexts = other.installationTexts;
    this.matchers = new Map();
  }

  /** Finds answers for a contact in `flow` (its own entries first, then the knowledge base), or outside any flow. */
  faqFor(flow: Flow | undefined): FaqMatcher | undefined {
    const key = flow ? `${flow.id}@${flow.version}` : "";
    let matcher = this.matchers.get(key);
    if (!matcher) {
      const own = flow?.faq ?? [];
      const entries = [...own, ...this.knowledge.entries.filter((e) => !own.some((o) => o.id === e.id))];
      if (entries.length === 0) return undefined;
      matcher = new FaqMatcher(entries, this.knowledge.synonyms, { bank: questionBank() });
      this.matchers.set(key, matcher);
    }
    return matcher;
  }

  /** A version conversations started on before the current file; never entered anew. */
  addOlderVersion(flow: Flow): void {
    if (this.flows.get(flow.id)?.version !== flow.version) this.older.set(`${flow.id}@${flow.version}`, flow);
  }

  /** The flow at `version`: the current one, an older one still in use, or undefined if unknown. */
  version(id: string, version: string): Flow | undefined {
    const current = this.flows.get(id);
    return current?.version === version ? current : this.older.get(`${id}@${version}`);
  }

  add(flow: Flow): void {
    const clash = this.flows.get(flow.id);
    if (clash && clash.file !== flow.file) throw new Error(`Flow id "${flow.id}" is used by ${clash.file} and ${flow.file}`);
    this.flows.set(flow.id, flow);
  }

  /** A file some loaded flow (current or older) sends, by its content hash. */
  file(sha256: string): FileAttachment | undefined {
    for (const flow of [...this.flows.values(), ...this.older.values()]) {
      for (const file of flow.files.values()) if (file.sha256 === sha256) return file;
    }
    return undefined;
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

  /** The flow whose `start` trigger is the payload, or its prefix before `__` (`checklist__vk_ads`: a source tag). */
  byStartPayload(payload: string): Flow | undefined {
    const name = payload.split("__", 1)[0];
    return this.all().find((f) => f.triggers.some((t) => "start" in t && t.start === name));
  }

  /** The flows an event of this type enters, in catalog order, with the condition each sets (if any) and whether it is marketing. */
  byEvent(type: string): Array<{ flow: Flow; condition: string | undefined; marketing: boolean }> {
    return this.all().flatMap((flow) =>
      flow.triggers.flatMap((t) => ("event" in t && t.event === type ? [{ flow, condition: t.if, marketing: t.marketing !== false }] : [])),
    );
  }

  /** The win-back flows: each with how long a contact must have been silent to enter it. */
  byInactivity(): Array<{ flow: Flow; silentMs: number }> {
    return this.all().flatMap((flow) =>
      flow.triggers.flatMap((t) => ("inactive" in t ? [{ flow, silentMs: parseDuration(t.inactive) ?? 0 }] : [])),
    );
  }

  /** The flow and keyword (as written in the flow) a message equals (case, ё/е and punctuation ignored). */
  byKeyword(text: string): { flow: Flow; keyword: string } | undefined {
    const wanted = normaliseKeyword(text);
    if (!wanted) return undefined;
    for (const flow of this.all()) {
      for (const trigger of flow.triggers) {
        const keyword = "keywords" in trigger ? trigger.keywords.find((k) => normaliseKeyword(k) === wanted) : undefined;
        if (keyword) return { flow, keyword };
      }
    }
    return undefined;
  }
}

export function normaliseKeyword(text: string): string {
  return text
    .toLowerCase()
    .replace(/ё/g, "е")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim();
}
