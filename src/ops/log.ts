// Structured logs: one JSON object per line, so Workers Logs (and `wrangler tail`) can filter and
// aggregate by field. Nothing here ever receives tokens, passwords, bodies or query strings.

export type LogFields = Record<string, string | number | boolean | null | undefined>;

/** An error as loggable fields (its stack included: logs are for operators, never for clients). */
export const errorFields = (err: unknown): LogFields =>
  err instanceof Error ? { error: err.name, error_message: err.message, stack: err.stack } : { error: String(err) };

export function log(level: "info" | "warn" | "error", msg: string, fields: LogFields = {}) {
  const line = JSON.stringify({ level, msg, ...fields });
  if (level === "error") console.error(line);
  else if (level === "warn") console.warn(line);
  else console.log(line);
}
