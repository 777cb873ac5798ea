import { readYamlFile } from "../flow/yaml-file.ts";
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
  const { data, lineOf } = await readYamlFile(file, transcriptFileSchema);
  return { file, content: data, lineOf: (transcript, turn) => lineOf(["transcripts", transcript, "turns", turn]) };
}
