// The import direction of the architecture (docs/architecture.md), checked by `npm test`:
// each module may import only the modules of the layers below it, never one beside or above
// it, so two modules can never import each other. Channels (bots/) and the process (app/, cli/)
// sit on top; the engine and the flow model import no infrastructure.

/** Layers from the bottom up; the modules of a layer may not import each other. */
const layers = [
  ["core/assert-never.ts", "core/model"],
  ["core/texts"],
  ["core/events"],
  ["core/template", "core/conditions"],
  ["core/faq"],
  ["core/flow"],
  ["core/engine"],
  ["core/transcript", "core/runtime"],
  ["core/store-prisma", "core/scheduler-bullmq", "core/pacing-redis", "core/payments"],
  ["bots"],
  ["app"],
  ["cli"],
];

const literal = (path) => path.replace(/[.]/g, "\\.");
const pathOf = (modules) => `^(${modules.map(literal).join("|")})(/|$)`;

const layerRules = layers.flatMap((modules, level) => {
  const above = layers.slice(level + 1).flat();
  const rules = modules.map((module) => ({
    name: `layer:${module}`,
    comment: `${module} may import only lower layers: ${layers.slice(0, level).flat().join(", ") || "none"}`,
    severity: "error",
    from: { path: pathOf([module]) },
    to: { path: pathOf([...above, ...modules.filter((m) => m !== module)]) },
  }));
  return rules;
});

/** Packages that talk to the outside world: only adapters, channels and the process use them. */
const infrastructurePackages = [
  "grammy",
  "@grammyjs",
  "vk-io",
  "@prisma",
  "bullmq",
  "ioredis",
  "pg",
  "@electric-sql",
  "pglite-prisma-adapter",
  "rate-limiter-flexible",
  "hono",
  "@hono",
];

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: "pure-core-uses-no-infrastructure",
      comment: "the engine, the flow model and what they build on import no database, queue, HTTP or platform library",
      severity: "error",
      from: {
        path: pathOf([
          "core/model",
          "core/texts",
          "core/events",
          "core/template",
          "core/conditions",
          "core/faq",
          "core/flow",
          "core/engine",
        ]),
      },
      to: { path: `(^|/)node_modules/(${infrastructurePackages.map(literal).join("|")})/` },
    },
    {
      name: "no-circular",
      comment: "files that import each other, directly or through others",
      severity: "error",
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: "(^|/)generated/" },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.json" },
  },
};
