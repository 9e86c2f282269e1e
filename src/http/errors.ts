// The one error type of the API and its rendering. Handlers throw ApiError; only app.onError
// turns errors into responses: {"detail", "code"} (+ "errors" for validation failures).
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export type FieldError = { path: string; message: string };

export class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown } = {},
  ) {
    super(detail);
  }
}

export const badRequest = (code: string, detail: string) => new ApiError(400, code, detail);
export const forbidden = (detail = "You do not have permission to do this", code = "forbidden") =>
  new ApiError(403, code, detail);
export const notFound = (what: string, code = "not_found") => new ApiError(404, code, `${what} not found`);
export const conflict = (code: string, detail: string) => new ApiError(409, code, detail);

/** Socket routes answer anything but a WebSocket upgrade with 426. */
export function requireUpgrade(upgrade: string | undefined) {
  if (upgrade?.toLowerCase() !== "websocket")
    throw new ApiError(426, "upgrade_required", "This endpoint only accepts WebSocket upgrades", { headers: { Upgrade: "websocket" } });
}
/** 404 user_not_found naming every missing id (bulk operations). */
export const usersNotFound = (ids: number[]) =>
  new ApiError(404, "user_not_found", ids.length === 1 ? `User ${ids[0]} not found` : `Users not found: ${ids.join(", ")}`);

export const invalidRequest = (errors: FieldError[]) =>
  new ApiError(400, "invalid_request", errors.length ? `Invalid request: ${errors[0].path} ${errors[0].message}` : "Invalid request", {
    errors,
  });

/** zod issues -> [{path, message}] with dotted paths ("body.name", "query.limit"). */
export const fieldErrors = (issues: readonly { path: readonly PropertyKey[]; message: string }[], target: string) =>
  issues.map((i) => ({ path: [target, ...i.path.map(String)].join("."), message: i.message }));

const HTTP_CODES: Record<number, string> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** Any thrown error as the one error type: HTTPExceptions (malformed JSON, body limits) keep their status; anything else is a 500. */
export function normalizeError(err: Error): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const detail = err.message || "Request failed";
    const code = /malformed json/i.test(detail) ? "malformed_json" : (HTTP_CODES[status] ?? "error");
    return new ApiError(status, code, detail);
  }
  // Unexpected: log it for observability, never leak a stack trace.
  console.error("unhandled error", err);
  return new ApiError(500, "internal_error", "Internal server error");
}

export function renderError(err: Error, c: Context): Response {
  const { status, code, detail, extra } = normalizeError(err);
  const { headers, ...rest } = extra;
  return c.json({ detail, code, ...rest }, status, headers);
}
