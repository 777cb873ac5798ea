import { describe, expect, it } from "vitest";
import { flowToMermaid } from "./flow-graph.ts";
import { FlowLoader } from "./flow-loader.ts";

const flow = new FlowLoader().parse(
  `id: demo
title: Demo
steps:
  - id: hello
    stage: awareness
    say: 'Hi <b>"friend"</b> | welcome'
    buttons:
      - { text: Go on, goto: ask }
      - { text: Site, url: "https://example.com" }
    followUps:
      - { after: 1h, say: Still there? }
      - { after: 1d, goto: bye }
  - id: ask
    stage: evaluation
    ask: { type: number, text: Score?, save: vars.score }
  - id: route
    branches:
      - { when: vars.score >= 9, goto: fan }
  - id: meh
    tag: { add: [neutral] }
    goto: bye
  - id: fan
    stage: loyalty
    set: { contact.nps: "{{ vars.score }}" }
  - id: bye
    end: Bye
`,
  "flows/demo.yaml",
);

describe("flowToMermaid", () => {
  const chart = flowToMermaid(flow, { currentStepId: "ask" });

  it("draws steps by kind inside their stage's subgraph, in file order", () => {
    expect(chart).toContain('subgraph stage_awareness["awareness"]\n    s0["hello: 💬 Hi #quot;friend#quot; #124; welcome"]\n  end');
    expect(chart).toContain('    s1[/"ask: ❓ Score?"/]\n    s2{"route: branch"}\n    s3[["meh: tags +neutral"]]');
    expect(chart).toContain('subgraph stage_loyalty["loyalty"]\n    s4[["fan: set contact.nps"]]\n    s5(["bye: end: Bye"])');
  });

  it("labels button and branch edges, falls through, and draws follow-ups dashed", () => {
    const edges = chart.split("\n").filter((line) => /-->|-\.->/.test(line));
    expect(edges.map((e) => e.trim())).toEqual([
      's0 -->|"Go on"| s1',
      's0 -.->|"⏰ 1d"| s5',
      's0 -.->|"⏰ 1h: Still there?"| s0',
      "s1 --> s2",
      's2 -->|"vars.score #gt;= 9"| s4',
      's2 -->|"else"| s3',
      "s3 --> s5",
      "s4 --> s5",
    ]);
  });

  it("highlights the current step only when asked", () => {
    expect(chart).toContain("class s1 current");
    expect(flowToMermaid(flow)).not.toContain("class ");
  });
});
