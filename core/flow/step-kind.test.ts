import { describe, expect, it } from "vitest";
import { z } from "zod";
import { stepBase } from "./step-fields.ts";
import { defineStepKind, fallThrough, fallThroughTarget } from "./step-kind.ts";
import { kindOfRaw, stepKinds } from "./step-kinds.ts";

const schema = z.strictObject({ ...stepBase, pause: z.literal(true), goto: z.string().optional() });

describe("a step kind", () => {
  it("must give every part: leaving one out does not compile", () => {
    const complete = defineStepKind({
      kind: "pause",
      key: "pause",
      schema,
      targets: (step, next) => fallThroughTarget(step.goto, "goto", next),
      templates: () => [],
      conditions: () => [],
      files: () => [],
      captures: () => [],
      check: () => [],
      waits: () => false,
      shape: () => ({ shape: "action", label: "pause" }),
      edgeLabel: () => undefined,
      enter: (step, turn) => fallThrough(step.goto, turn.nextStepId),
      waiting: null,
    });
    expect(complete.targets({ id: "a", pause: true }, "b")).toEqual([{ target: "b", path: [] }]);

    // @ts-expect-error `waiting` (and so how the kind takes a reply) is left out
    defineStepKind({ ...complete, waiting: undefined });
    const { edgeLabel: _, ...withoutChart } = complete;
    // @ts-expect-error how the chart labels its edges is left out
    defineStepKind(withoutChart);
  });

  it("is told apart by its key, in the registry's order", () => {
    expect(kindOfRaw({ id: "a", ask: {}, goto: "b" })).toBe("ask");
    expect(kindOfRaw({ id: "a", say: "Hi", goto: "b" })).toBe("message");
    expect(kindOfRaw({ id: "a", goto: "b" })).toBe("goto");
    expect(kindOfRaw({ id: "a" })).toBeUndefined();
    expect(new Set(Object.values(stepKinds).map((k) => k.key)).size).toBe(Object.keys(stepKinds).length);
  });
});
