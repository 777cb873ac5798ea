#!/usr/bin/env node
// The `orkestr` command: the sources are TypeScript, loaded through tsx (a dependency).
import { register } from "tsx/esm/api";

register();
// `orkestr graph x | head`: a reader that stops early is not an error.
for (const stream of [process.stdout, process.stderr]) {
  stream.on("error", (error) => process.exit(error.code === "EPIPE" ? 0 : 1));
}
const { runCli } = await import("../cli/orkestr-cli.ts");
const code = await runCli(process.argv);
// Exit once the output is written: idle database pool timers must not keep a finished command alive.
await Promise.all([process.stdout, process.stderr].map((stream) => new Promise((resolve) => stream.write("", resolve))));
process.exit(code);
