#!/usr/bin/env node
// The `orkestr` command: the sources are TypeScript, loaded through tsx (a dependency).
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../cli/orkestr-cli.ts");
process.exitCode = await runCli(process.argv);
