/**
 * Reading settings from the environment, the same way for every variable (docs/configuration.md):
 * a variable that is unset, empty or only blanks counts as unset; values are trimmed; every problem
 * is reported at once, on one line, naming the variable.
 */
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

/**
 * A configuration problem, phrased for the operator: every bad variable at once, in one line
 * (`invalid configuration: IM_SDKAPPID must be a whole number; IM_SECRET_KEY is required but not
 * set`), since the CLI and the worker say every error in one sentence and a log keeps it on one
 * line. `problems` keeps the list for code that wants each one.
 */
export class SettingsError extends Error {
  constructor(readonly problems: string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'SettingsError';
  }
}

/** Turns zod issues on an env object into one problem per variable. */
function envProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const name = String(issue.path[0] ?? '');
    if (issue.code === 'invalid_type' && issue.input === undefined) return `${name} is required but not set`;
    return issue.message.includes(name) ? issue.message : `${name}: ${issue.message}`;
  });
}

/** The variables that are set (blank counts as unset), trimmed. */
function setVariables(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && v.trim() !== '') out[k] = v.trim();
  return out;
}

/** Parses the set variables with `schema`, or throws a SettingsError listing every problem. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Env, defaults: Env = {}): z.infer<S> {
  const parsed = schema.safeParse({ ...setVariables(defaults), ...setVariables(env) });
  if (!parsed.success) throw new SettingsError(envProblems(parsed.error));
  return parsed.data;
}

/** A whole number from `min` to `max`, with a message that says the range. */
export function wholeNumber(name: string, min: number, max: number) {
  const range = `${name} must be ${min}–${max}`;
  return z
    .string()
    .regex(/^\d+$/, `${name} must be a whole number`)
    .transform(Number)
    .pipe(z.number().int().min(min, range).max(max, range));
}

/** Calls per second: a positive number. */
export function callsPerSecond(name: string) {
  return z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${name} must be a number of calls per second`)
    .transform(Number)
    .pipe(z.number().positive(`${name} must be above 0`));
}

export function port(name: string) {
  return wholeNumber(name, 0, 65535);
}
