// The Hono environment every sub-app shares: generated bindings, and the authenticated user set
// by the auth middleware.
import { OpenAPIHono } from "@hono/zod-openapi";
import { ApiError, fieldErrors } from "./errors";

/**
 * The caller, from a verified token or socket ticket; tokenVersion is the one the token carries (and
 * D1 had). sessionId: the session it belongs to; expiresAt: when the credential stops (ms), which a
 * socket opened with it keeps.
 */
export type AuthUser = {
  id: number;
  username: string;
  displayName: string | null;
  email: string | null;
  isAdmin: boolean;
  tokenVersion: number;
  sessionId: string;
  sessionKind: "short" | "legacy";
  /** When the session ends unless renewed (ms). */
  sessionExpiresAt: number;
  expiresAt: number;
};

/** requestId: set first of all (src/ops/request.ts), echoed in error bodies. */
export type AppEnv = { Bindings: Env; Variables: { user: AuthUser; requestId: string } };

/** A sub-app whose validation failures go through the one error path (400 invalid_request). */
export const router = (opts: { strict?: boolean } = {}) =>
  new OpenAPIHono<AppEnv>({
    ...opts,
    defaultHook: (result) => {
      if (!result.success) throw validationError(result.error.issues, (result as { target?: string }).target ?? "body");
    },
  });

/** The 400 invalid_request of a request part (`target`: json, form, query, param) that failed its schema. */
export const validationError = (issues: readonly { path: readonly PropertyKey[]; message: string }[], target: string) =>
  new ApiError(400, "invalid_request", describe(issues, target), {
    errors: fieldErrors(issues, target === "json" || target === "form" ? "body" : target),
  });

function describe(issues: readonly { path: readonly PropertyKey[]; message: string }[], target: string) {
  const first = issues[0];
  if (!first) return "Invalid request";
  const where = first.path.length ? first.path.join(".") : target === "json" ? "body" : target;
  return `Invalid ${where}: ${first.message}`;
}
