import { parse } from "@marcbachmann/cel-js";

type CompiledCondition = ReturnType<typeof parse>;

/**
 * Conditions are CEL expressions (https://github.com/google/cel-spec), a safe,
 * non-Turing-complete language: no `eval`, no side effects, no loops.
 */
export class ConditionEvaluator {
  private readonly cache = new Map<string, CompiledCondition>();

  /** Throws on a syntax error; the message points at the column inside the expression. */
  compile(expression: string): CompiledCondition {
    let compiled = this.cache.get(expression);
    if (!compiled) {
      compiled = parse(expression);
      this.cache.set(expression, compiled);
    }
    return compiled;
  }

  /**
   * A condition that reads a missing variable is false rather than an error: marketers write
   * `vars.score >= 9` before the score exists. Non-boolean results are errors.
   */
  test(expression: string, scope: Record<string, unknown>): boolean {
    let result: unknown;
    try {
      result = this.compile(expression)(scope);
    } catch (error) {
      if (error instanceof Error && /No such key/.test(error.message)) return false;
      throw new Error(`Condition "${expression}" failed: ${(error as Error).message}`, { cause: error });
    }
    if (typeof result !== "boolean") {
      throw new Error(`Condition "${expression}" must be true or false, got ${typeof result}`);
    }
    return result;
  }
}
