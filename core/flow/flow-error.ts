/** One problem in a flow file, with the place an editor can jump to. */
export interface FlowProblem {
  file: string;
  line: number;
  col: number;
  message: string;
}

/** A flow file that cannot be used. Never retry: the file must be fixed. */
export class FlowError extends Error {
  constructor(readonly problems: FlowProblem[]) {
    super(problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`).join("\n"));
    this.name = "FlowError";
  }
}
