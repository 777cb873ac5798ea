import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument } from "yaml";
import { FlowError } from "../flow/flow-error.ts";
import { describeIssue, positionOf, yamlSyntaxProblem } from "../flow/yaml-position.ts";
import { type TranscriptFile, transcriptFileSchema } from "./transcript-schema.ts";

/** A transcript file with the line of every turn, so failures point into the file. */
export interface LoadedTranscripts {
  file: string;
  content: TranscriptFile;
  /** `lineOf(t, i)`: line of turn `i` of transcript `t`. */
  lineOf(transcript: number, turn: number): number;
}

/** Reads and validates a transcript file; problems come as `file:line:column`, like flow files. */
export async function loadTranscripts(file: string): Promise<LoadedTranscripts> {
  const source = await readFile(file, "utf8");
  const lineCounter = new LineCounter();
  const doc = parseDocument(source, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const at = (offset: number) => lineCounter.linePos(offset);
  if (doc.errors.length > 0) {
    throw new FlowError([yamlSyntaxProblem(doc.errors, file, at)]);
  }
  const parsed = transcriptFileSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    throw new FlowError(
      parsed.error.issues.map((issue) => {
        const path = issue.path as Array<string | number>;
        return { file, ...positionOf(doc.contents, path, false, at), message: describeIssue(issue, path) };
      }),
    );
  }
  return {
    file,
    content: parsed.data,
    lineOf: (transcript, turn) => positionOf(doc.contents, ["transcripts", transcript, "turns", turn], false, at).line,
  };
}
