// Document 004's error numbers, and how each core code reads in them. The reading is written out
// for every code of the catalog (src/http/codes.ts), so a new core code fails the type check here
// until someone decides what 004 says for it.
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { Code } from "../../http/codes";

/** The document's error table: code -> [HTTP status, info]. */
export const DOC004_ERRORS = {
  1: [401, "User not logged in"],
  2: [404, "User does not exist"],
  3: [400, "Invalid request"],
  10: [409, "Username already exists"],
  11: [400, "Invalid username"],
  12: [400, "Invalid password"],
  13: [400, "Invalid email"],
  14: [400, "Invalid phone"],
  15: [403, "Incorrect password"],
  20: [404, "User not found"],
  21: [404, "Request not found"],
  22: [404, "Friend not found"],
  23: [400, "Cannot send request to self"],
  24: [409, "Already friends"],
  25: [409, "Request already sent"],
  26: [409, "Not friends"],
  27: [400, "Invalid friend group name"],
  30: [404, "Conversation not found"],
  31: [404, "Member not found"],
  32: [404, "Message not found"],
  33: [403, "User not in conversation"],
  40: [404, "Group not found"],
  41: [403, "User not authorized"],
  42: [403, "Member not admin"],
  43: [403, "Not in group"],
  44: [403, "Cannot remove self"],
  45: [403, "Cannot remove owner"],
  46: [403, "Cannot remove admin"],
  47: [403, "Owner cannot quit"],
  48: [409, "Already owner"],
  49: [409, "Already admin"],
  50: [409, "Invitation already sent"],
  51: [404, "Invitation not found"],
} as const satisfies Record<number, readonly [ContentfulStatusCode, string]>;

export type Doc004Code = keyof typeof DOC004_ERRORS;

/** Core code -> document code, per call site (the same core refusal means different rows). */
export type CodeMap = Partial<Record<Code, Doc004Code>>;

/**
 * How each core code reads where the call site has no row of its own: a row of the table, or null:
 * the document has none, so the core's status stays and `info` says what happened (code 3; a 401
 * without a row is code 1).
 */
export const CORE_CODES = {
  invalid_request: 3, malformed_json: 3, malformed_form: null, malformed_multipart: null, bad_request: 3, invalid_cursor: null,
  payload_too_large: null, unsupported_media_type: null, not_found: null, method_not_allowed: null, upgrade_required: null,
  rate_limited: null, internal_error: null, misconfigured: null, unavailable: null, error: null, dialect: null,
  unauthorized: 1, invalid_credentials: 1, invalid_refresh_token: 1, refresh_token_reused: 1, session_not_found: null,
  username_taken: null, wrong_password: null, password_required: null, invalid_avatar_url: null, owns_rooms: null,
  user_not_found: null, forbidden: null,
  room_not_found: null, room_name_taken: null, room_archived: null, room_full: null, room_too_large: null,
  direct_conversation: null, max_members_too_low: null, cannot_message_user: null, cannot_add_user: null,
  duplicate_member_ids: null, cannot_target_self: null,
  not_a_member: null, already_member: null, member_not_found: null, membership_changed: null, owner_cannot_leave: null,
  cannot_change_own_role: null, cannot_change_owner: null, cannot_remove_owner: null, already_owner: null,
  ownership_changed: null, invitation_required: null, invitation_pending: null, invitation_not_pending: null,
  invitation_not_found: null, cannot_invite_self: null, invite_code_not_found: null, invite_code_revoked: null,
  invite_code_expired: null, invite_code_used_up: null, request_pending: null, request_not_pending: null, banned: null,
  already_banned: null, cannot_ban_self: null, cannot_ban_owner: null, ban_not_found: null,
  message_not_found: null, invalid_message_id: null, invalid_reply_to: null, empty_message: null, system_message: null,
  cannot_message: null, not_your_message: null, mention_not_allowed: null, recall_window_passed: null, client_id_conflict: null, too_many_reactions: null,
  pin_limit_reached: null, thread_not_found: null, invalid_thread_id: null, thread_in_thread: null,
  location_required: null, unexpected_location: null, media_required: null, unexpected_media: null, media_type_mismatch: null,
  use_upload: null, use_rest: null, invalid_since: null, binary_not_supported: null, invalid_json: null, invalid_frame: null,
  file_not_found: null, file_in_other_room: null, invalid_media_url: null, media_mismatch: null, length_required: null,
  invalid_content_length: null, content_length_mismatch: null, too_many_files: null, fields_too_large: null, empty_file: null,
  not_an_image: null, quota_exceeded: null, range_not_satisfiable: null, signature_expired: null, invalid_signature: null,
  avatar_file: null,
  cannot_friend_self: null, cannot_send_request: null, request_already_sent: null, already_friends: null, not_friends: null,
  friend_request_not_found: null, not_recipient: null, cannot_follow_self: null, cannot_follow: null, already_following: null,
  not_following: null, cannot_block_self: null, already_blocked: null, not_blocked: null,
  template_not_found: null, template_name_taken: null, missing_template_params: null, template_too_long: null,
  notification_not_found: null, broadcast_not_found: null,
} as const satisfies Record<Code, Doc004Code | null>;

/** The rows of CORE_CODES: the core codes every call site reads the same way. */
export const COMMON = Object.fromEntries(Object.entries(CORE_CODES).filter(([, row]) => row !== null)) as CodeMap;
