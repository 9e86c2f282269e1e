// What every route of document 004 shares: its OpenAPI tag, its id fields, the signed-in check
// (the JWT alone in Authorization, or Bearer), the call into the core with the caller's token
// (accounts and friends), and the whole inbox of one kind.
import { createRoute, z, type RouteConfig } from "@hono/zod-openapi";
import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { userFromToken } from "../../auth/middleware";
import { readToken } from "../../auth/tokens";
import { avatarBytes } from "../../avatars/service";
import type { AppEnv } from "../../http/app-env";
import { inboxPage } from "../../conversations/service";
import { accountExists } from "../../users/service";
import { fail, as004 } from "./envelope";
import type { Doc004Code } from "./codes";
import { Failure, succeeded, type Model } from "./models";

export const TAG = "doc 004: Django IM (/user)";

/** The token of a 004 request: the document sends the JWT bare; Bearer works too. */
export function tokenOf(c: Context<AppEnv>): string | null {
  const header = c.req.header("Authorization")?.trim();
  if (!header) return null;
  const m = /^Bearer\s+(\S+)$/i.exec(header);
  return m ? m[1] : /^\S+$/.test(header) ? header : null;
}

/**
 * "需要登录": a valid token for a live account, else code 1; or `gone` where the endpoint's table
 * gives a code for a user who does not exist (31): a token still signed but whose account was
 * deleted. Only its holder learns that, and only on the way to a refusal.
 */
export function signedInAs(gone?: Doc004Code) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const token = tokenOf(c);
    const user = token ? await userFromToken(c.env, token, (p) => c.executionCtx.waitUntil(p)) : null;
    if (!user) {
      const claims = gone !== undefined && token ? await readToken(c.env, token) : null;
      if (claims && !(await accountExists(c, claims.userId))) throw fail(gone!);
      throw fail(1);
    }
    c.set("user", user);
    await next();
  });
}
export const signedIn = signedInAs();

/** The document writes ids as numbers or as numeric strings ("friend_id": "2"); both are read. */
export const id004 = z
  .union([z.number().int().positive().max(Number.MAX_SAFE_INTEGER), z.string().regex(/^[1-9][0-9]{0,15}$/).transform(Number)])
  .openapi({ type: "integer", example: 1 });

/**
 * A route of the document: one tag, its model (models.ts) as the 200 answer inside the envelope,
 * {code, info} for the error tables, the bare-JWT header as security.
 */
export function route004<M extends Model, R extends RouteConfig["request"] = undefined>(
  method: "get" | "post" | "put",
  path: string,
  summary: string,
  model: M,
  request?: R,
  open = false,
) {
  return createRoute({
    method,
    path,
    tags: [TAG],
    summary,
    request: request as R,
    security: open ? [] : [{ Doc004Jwt: [] }],
    responses: {
      200: { content: { "application/json": { schema: succeeded(model) } }, description: '{"code": 0, "info": "Succeed", ...data}' },
      400: { content: { "application/json": { schema: Failure } }, description: "{code, info} from the document's error tables, with their HTTP status" },
    },
  });
}

export const body004 = <T extends z.ZodType>(schema: T) => ({ body: { content: { "application/json": { schema } }, required: true } });

/** "2024-03-21 12:00:00" (UTC), as the document prints times. */
export const docTime = (iso: string) => iso.replace("T", " ").replace(/\.\d+Z$|Z$/, "");

/** Base64 of a picture uploaded through the avatar pipeline; "" for none or an outside URL. */
export async function avatarBase64(c: { env: Env }, avatarUrl: string | null): Promise<string> {
  const m = avatarUrl ? /^\/api\/v1\/avatars\/([1-9][0-9]*)$/.exec(avatarUrl) : null;
  const body = m && (await avatarBytes(c, Number(m[1])));
  if (!body) return "";
  const bytes = new Uint8Array(body);
  let s = "";
  for (let i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(s);
}

/** The whole inbox of one kind (the document has no paging), page by page through the service's cursor. */
export async function wholeInbox(c: Context<AppEnv>, kind: "direct" | "group") {
  const items: Awaited<ReturnType<typeof inboxPage>>["items"] = [];
  for (let cursor: string | undefined; ; ) {
    const page = await as004(inboxPage(c, { kind, limit: 100, cursor }));
    items.push(...page.items);
    cursor = page.next ?? undefined;
    if (!cursor) return items;
  }
}
