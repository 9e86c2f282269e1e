// Invite codes (invite links): the owner and admins create expiring, optionally use-limited,
// revocable codes; anyone holding one joins the room without approval. A use is counted in the
// same D1 batch as the admission, so max_uses holds under concurrent joins.
import { createRoute, z } from "@hono/zod-openapi";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { blockBetween } from "../blocks/queries";
import { getDb, type Db } from "../db/client";
import { inviteCodes, rooms } from "../db/schema";
import { router } from "../http/app-env";
import { ApiError, forbidden, notFound } from "../http/errors";
import { ErrorBody, json, jsonBody, noContent, PageQuery, pick, RoomIdParam } from "../http/schemas";
import { admitMember } from "../members/admit";
import { canModerate, loadRoom, require } from "../rooms/access";
import { getRoomResponse } from "../rooms/queries";
import { RoomResponse } from "../rooms/schemas";
import { admissionFacts, admissionRefusal, roomFull } from "./admission";

export const DEFAULT_CODE_TTL_SECONDS = 7 * 24 * 3600;
const MAX_CODE_TTL_SECONDS = 365 * 24 * 3600;

const CodeCreate = z
  .object({
    expires_in_seconds: z.number().int().min(60).max(MAX_CODE_TTL_SECONDS).default(DEFAULT_CODE_TTL_SECONDS),
    max_uses: z.number().int().min(1).max(1_000_000).nullable().default(null),
  })
  .strict()
  .openapi("InviteCodeCreate");

const CodeResponse = z
  .object({
    code: z.string(),
    room_id: z.number().int(),
    created_by_id: z.number().int().nullable(),
    created_at: z.string(),
    expires_at: z.string(),
    revoked_at: z.string().nullable(),
    max_uses: z.number().int().nullable(),
    uses: z.number().int(),
    status: z.enum(["active", "expired", "revoked", "used_up"]),
  })
  .openapi("InviteCodeResponse");

const JoinByCode = z.object({ code: z.string().trim().min(1).max(128) }).strict().openapi("JoinByCodeRequest");
const CodeParams = RoomIdParam.extend({ code: z.string().min(1).max(128).openapi({ param: { name: "code", in: "path" } }) });

type CodeRow = typeof inviteCodes.$inferSelect;

/** 16 random bytes as base64url: 22 characters, 128 bits, safe in a URL. */
function newCode() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

const nowIso = () => new Date().toISOString();

function codeStatus(row: CodeRow, now = nowIso()): z.infer<typeof CodeResponse>["status"] {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (row.maxUses !== null && row.uses >= row.maxUses) return "used_up";
  return "active";
}

const toResponse = (row: CodeRow) => ({
  code: row.code,
  room_id: row.roomId,
  created_by_id: row.createdById,
  created_at: row.createdAt,
  expires_at: row.expiresAt,
  revoked_at: row.revokedAt,
  max_uses: row.maxUses,
  uses: row.uses,
  status: codeStatus(row),
});

/** 410 for a code that existed but no longer works, so clients can say "this link has expired". */
function unusable(row: CodeRow): ApiError | null {
  const status = codeStatus(row);
  if (status === "active") return null;
  const detail = { revoked: "This invite code was revoked", expired: "This invite code has expired", used_up: "This invite code has been used up" }[status];
  return new ApiError(410, `invite_code_${status}`, detail);
}

/** SQL guard: the code still admits someone right now (checked inside the admission statement). */
const usable = (code: string) =>
  sql`EXISTS (SELECT 1 FROM ${inviteCodes} WHERE ${inviteCodes.code} = ${code} AND ${inviteCodes.revokedAt} IS NULL
    AND ${inviteCodes.expiresAt} > strftime('%Y-%m-%dT%H:%M:%fZ', 'now')
    AND (${inviteCodes.maxUses} IS NULL OR ${inviteCodes.uses} < ${inviteCodes.maxUses}))`;

async function findCode(db: Db, code: string) {
  return db
    .select({ c: inviteCodes, maxMembers: rooms.maxMembers, archivedAt: rooms.archivedAt })
    .from(inviteCodes)
    .innerJoin(rooms, and(eq(rooms.id, inviteCodes.roomId), eq(rooms.kind, "group")))
    .where(eq(inviteCodes.code, code))
    .get();
}

/** The reason `userId` cannot join with this code right now, or null. */
async function joinRefusal(db: Db, found: NonNullable<Awaited<ReturnType<typeof findCode>>>, userId: number) {
  const facts = await admissionFacts(db, found.c.roomId, userId, found.c.createdById, false);
  const refusal = admissionRefusal(facts, found.maxMembers);
  // Already being a member says more than "expired" to someone who clicks an old link.
  if (refusal?.code === "already_member") return refusal;
  return unusable(found.c) ?? refusal;
}

const moderatorsOnly = "Only the owner and room admins can manage invite codes";

export const inviteCodeRoutes = router()
  .openapi(
    createRoute({
      method: "post",
      path: "/join-by-code",
      tags: ["invite codes"],
      summary:
        "Join a room with an invite code (no approval needed). 404 unknown code; 410 expired, revoked or used up; 409 room full; 403 banned",
      request: jsonBody(JoinByCode),
      responses: { 200: json(RoomResponse), 410: json(ErrorBody, "The code expired, was revoked or is used up"), ...pick(400, 401, 403, 404, 409) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const me = c.var.user;
      const { code } = c.req.valid("json");
      const found = await findCode(db, code);
      if (!found) throw notFound("Invite code", "invite_code_not_found");
      if (found.archivedAt !== null) throw forbidden("This room is archived: it is read-only", "room_archived");
      const refusal = await joinRefusal(db, found, me.id);
      if (refusal) throw refusal;
      const roomId = found.c.roomId;
      const creator = found.c.createdById;
      const [, counted] = await db.batch([
        admitMember(db, roomId, me.id, sql`${usable(code)} AND NOT ${creator === null ? sql`0` : blockBetween(me.id, creator)}`),
        db
          .update(inviteCodes)
          .set({ uses: sql`${inviteCodes.uses} + 1` })
          .where(and(eq(inviteCodes.code, code), sql`changes() > 0`))
          .returning({ uses: inviteCodes.uses }),
      ]);
      if (!counted.length) {
        const now = await findCode(db, code);
        throw (now && (await joinRefusal(db, now, me.id))) ?? roomFull();
      }
      return c.json((await getRoomResponse(db, roomId, me.id))!, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{room_id}/invite-codes",
      tags: ["invite codes"],
      summary: `Create an invite code (owner, room admins, system admins); expires in expires_in_seconds (default ${DEFAULT_CODE_TTL_SECONDS}), max_uses null = unlimited`,
      request: { params: RoomIdParam, body: { content: { "application/json": { schema: CodeCreate } } } },
      responses: { 200: json(CodeResponse), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      // An empty POST (no body) means all defaults.
      const body = CodeCreate.parse(c.req.valid("json") ?? {});
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const row = await db
        .insert(inviteCodes)
        .values({
          code: newCode(),
          roomId: access.room.id,
          createdById: c.var.user.id,
          expiresAt: new Date(Date.now() + body.expires_in_seconds * 1000).toISOString(),
          maxUses: body.max_uses,
        })
        .returning()
        .get();
      return c.json(toResponse(row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{room_id}/invite-codes",
      tags: ["invite codes"],
      summary: "A room's invite codes with their status, newest first (owner, room admins, system admins)",
      request: { params: RoomIdParam, query: PageQuery },
      responses: { 200: json(z.array(CodeResponse)), ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { limit, offset } = c.req.valid("query");
      const access = await loadRoom(db, c.req.valid("param").room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const rows = await db
        .select()
        .from(inviteCodes)
        .where(eq(inviteCodes.roomId, access.room.id))
        .orderBy(desc(inviteCodes.createdAt))
        .limit(limit)
        .offset(offset)
        .all();
      return c.json(rows.map(toResponse), 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{room_id}/invite-codes/{code}",
      tags: ["invite codes"],
      summary: "Revoke an invite code (idempotent; the code then answers 410 invite_code_revoked)",
      request: { params: CodeParams },
      responses: { ...noContent, ...pick(400, 401, 403, 404) },
    }),
    async (c) => {
      const db = getDb(c.env.DB);
      const { room_id, code } = c.req.valid("param");
      const access = await loadRoom(db, room_id, c.var.user);
      require(canModerate(access), moderatorsOnly);
      const where = and(eq(inviteCodes.code, code), eq(inviteCodes.roomId, access.room.id));
      const [, exists] = await db.batch([
        db.update(inviteCodes).set({ revokedAt: nowIso() }).where(and(where, isNull(inviteCodes.revokedAt))),
        db.select({ code: inviteCodes.code }).from(inviteCodes).where(where),
      ]);
      if (!exists.length) throw notFound("Invite code", "invite_code_not_found");
      return c.body(null, 204);
    },
  );
