import { relative } from "node:path";
import { loadFlowDirectory } from "../app/flow-directory.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { loadTranscripts } from "../core/transcript/transcript-loader.ts";
import { runTranscripts } from "../core/transcript/transcript-runner.ts";
import type { CliOutput } from "./cli-output.ts";
import { yamlFilesIn } from "./flow-files.ts";

/**
 * `orkestr test [paths…]`: runs transcript files (default `flows/transcripts/`) against the
 * flows of `--flows`. Prints each failure with its turn, expected and actual message, and ends
 * with `N passed, N failed` (transcripts); exit 1 when any failed or a file is broken.
 */
export async function testCommand(paths: string[], options: { flows: string }, out: CliOutput): Promise<number> {
  const files = yamlFilesIn(paths.length ? paths : ["flows/transcripts"]);
  if (files.length === 0) {
    out.error(`No transcript files (*.yaml) in ${paths.join(", ") || "flows/transcripts"}`);
    return 1;
  }
  const flows = await loadFlowDirectory(options.flows).catch((error: unknown) => {
    if (error instanceof FlowError) out.error(`The flows in ${options.flows} are broken; run \`orkestr validate\` first.`);
    throw error;
  });
  let passed = 0;
  let failed = 0;
  let broken = 0;
  for (const file of files) {
    const shown = relative(process.cwd(), file) || file;
    out.log(shown);
    let loaded: Awaited<ReturnType<typeof loadTranscripts>>;
    try {
      loaded = await loadTranscripts(file);
    } catch (error) {
      if (!(error instanceof FlowError)) throw error;
      broken++;
      for (const p of error.problems) out.error(`${p.file}:${p.line}:${p.col} ${p.message}`);
      continue;
    }
    for (const result of runTranscripts(loaded, flows)) {
      if (!result.failure) {
        passed++;
        out.log(`  ✓ ${result.name}`);
        continue;
      }
      failed++;
      const { line, turn, message, expected, actual } = result.failure;
      out.log(`  ✗ ${result.name}`);
      out.log(`      ${shown}:${line} turn ${turn}: ${message}`);
      if (expected !== undefined) out.log(`      expected: ${expected}`);
      if (actual !== undefined) out.log(`      actual:   ${actual.replaceAll("\n", "\n                ")}`);
    }
  }
  if (broken > 0) out.error(`${broken} transcript file(s) could not be read`);
  out.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && broken === 0 ? 0 : 1;
}
