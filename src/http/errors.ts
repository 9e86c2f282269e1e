// The one error type of the API and its rendering. Handlers throw ApiError; only app.onError
// turns errors into responses: {"detail", "code", "request_id"} (+ "errors" for validation failures).
// Its codes come from the catalog (codes.ts), each with the statuses it may be sent with.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { errorFields, log } from "../ops/log";
import { statusOf, type Code, type OneStatusCode, type StatusOf } from "./codes";

export type FieldError = { path: string; message: string };
export type ErrorExtra = { errors?: FieldError[]; headers?: Record<string, string>; [k: string]: unknown };

/**
 * `new ApiError(status, code, detail, extra?)`: the status must be one the catalog lists for the
 * code, so a call site cannot send a known code with a status the catalog does not say.
 */
type ApiErrorConstructor = {
  new <C extends Code>(status: StatusOf<C>, code: C, detail: string, extra?: ErrorExtra): ApiError;
  readonly prototype: ApiError;
};

export type ApiError = Error & { readonly status: ContentfulStatusCode; readonly code: Code; readonly detail: string; readonly extra: ErrorExtra };

export const ApiError: ApiErrorConstructor = class ApiError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: Code,
    readonly detail: string,
    readonly extra: ErrorExtra = {},
  ) {
    super(detail);
  }
};

/** The error for a code sent with one status, read from the catalog. */
export const apiError = (code: OneStatusCode, detail: string, extra?: ErrorExtra) => new ApiError(statusOf(code), code, detail, extra);

/** The codes listed with status S (not those that take any status). */
export type CodeWith<S extends ContentfulStatusCode> = { [C in Code]: ContentfulStatusCode extends StatusOf<C> ? never : S extends StatusOf<C> ? C : never }[Code];
export const badRequest = (code: CodeWith<400>, detail: string) => new ApiError(400, code, detail);
export const forbidden = (detail = "You do not have permission to do this", code: CodeWith<403> = "forbidden") =>
  new ApiError(403, code, detail);
export const notFound = (what: string, code: CodeWith<404> = "not_found") => new ApiError(404, code, `${what} not found`);
export const conflict = (code: CodeWith<409>, detail: string) => new ApiError(409, code, detail);

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

/** The code of an HTTPException by its status (others: "error"). */
const HTTP_CODES: Partial<Record<ContentfulStatusCode, Code>> = {
  400: "bad_request",
  401: "unauthorized",
  404: "not_found",
  405: "method_not_allowed",
  413: "payload_too_large",
  415: "unsupported_media_type",
};

/** The request's id (src/ops/request.ts), quoted by users to support and found in the logs. */
const requestId = (c: Context): string | undefined => c.get("requestId");

/**
 * Any thrown error as the one error type: HTTPExceptions (malformed JSON, body limits) keep their
 * status; anything else is a 500, logged with the request id (when there is a request).
 */
export function normalizeError(err: Error, c?: Context): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof HTTPException) {
    const status = err.status as ContentfulStatusCode;
    const detail = err.message || "Request failed";
    const code = /malformed json/i.test(detail) ? "malformed_json" : (HTTP_CODES[status] ?? "error");
    return new ApiError(status, code, detail);
  }
  // Unexpected: logged with the request id for operators, never a stack trace for the client.
  log("error", "unhandled error", { request_id: c && requestId(c), method: c?.req.method, ...errorFields(err) });
  return new ApiError(500, "internal_error", "Internal server error");
}

export function renderError(err: Error, c: Context): Response {
  const { status, code, detail, extra } = normalizeError(err, c);
  const { headers, ...rest } = extra;
  return c.json({ detail, code, request_id: requestId(c), ...rest }, status, headers);
}
