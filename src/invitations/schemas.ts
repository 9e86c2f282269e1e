// Invitation and invite-code shapes: request bodies, InvitationResponse and InviteCodeResponse,
// and how a row becomes one.
import { z } from "@hono/zod-openapi";
import type { inviteCodes } from "../db/schema";
import { RoomIdParam } from "../http/schemas";

export const InvitationCreate = z.object({ user_id: z.number().int().positive() }).strict().openapi("RoomInvitationCreate");
export const InvitationProcess = z.object({ status: z.enum(["approved", "rejected"]) }).strict().openapi("RoomInvitationProcess");

export const InvitationResponse = z
  .object({
    id: z.number().int(),
    room_id: z.number().int(),
    inviter_id: z.number().int().nullable(),
    inviter_name: z.string().nullable(),
    invitee_id: z.number().int(),
    invitee_name: z.string().nullable(),
    status: z.enum(["pending", "approved", "rejected"]),
    created_at: z.string(),
    processed_at: z.string().nullable(),
    processed_by_id: z.number().int().nullable(),
  })
  .openapi("RoomInvitationResponse");

export const InvitationCreated = InvitationResponse.extend({
  member_added: z.boolean().openapi({ description: "True when the invitee is now an active member (invited by the owner or an admin)" }),
  message: z.string(),
}).openapi("RoomInvitationCreated");

export const DEFAULT_CODE_TTL_SECONDS = 7 * 24 * 3600;
const MAX_CODE_TTL_SECONDS = 365 * 24 * 3600;

export const CodeCreate = z
  .object({
    expires_in_seconds: z.number().int().min(60).max(MAX_CODE_TTL_SECONDS).default(DEFAULT_CODE_TTL_SECONDS),
    max_uses: z.number().int().min(1).max(1_000_000).nullable().default(null),
  })
  .strict()
  .openapi("InviteCodeCreate");

export const CodeResponse = z
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

export const JoinByCode = z.object({ code: z.string().trim().min(1).max(128) }).strict().openapi("JoinByCodeRequest");
export const CodeParams = RoomIdParam.extend({ code: z.string().min(1).max(128).openapi({ param: { name: "code", in: "path" } }) });

export type CodeRow = typeof inviteCodes.$inferSelect;

export const nowIso = () => new Date().toISOString();

export function codeStatus(row: CodeRow, now = nowIso()): z.infer<typeof CodeResponse>["status"] {
  if (row.revokedAt) return "revoked";
  if (row.expiresAt <= now) return "expired";
  if (row.maxUses !== null && row.uses >= row.maxUses) return "used_up";
  return "active";
}

export const toCodeResponse = (row: CodeRow) => ({
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
