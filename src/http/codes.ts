// Every error code of the API, listed once with the HTTP status it is sent with. Codes are what
// clients branch on and what each dialect translates into its document's own errors, so they are
// a typed union rather than loose strings: ApiError only takes a code from here, a typo fails the
// type check, and each dialect's map over `Code` must name a new code before it compiles.
//
// A code is sent with one status, except the few listed with several: the call site then names
// the status, and the type checker holds it to one of those listed (see ApiError in errors.ts).
import type { ContentfulStatusCode } from "hono/utils/http-status";

/** Whatever status an error carried that has no code of its own (an HTTPException, a document's own row). */
const ANY_STATUS: readonly ContentfulStatusCode[] = [];

export const CODES = {
  // Requests in general: validation, bodies, routing, the server itself.
  invalid_request: 400,
  malformed_json: 400,
  malformed_form: 400,
  malformed_multipart: 400,
  bad_request: 400,
  invalid_cursor: 400,
  /** The route's own JSON limit (413), and an events payload over its own limit (400). */
  payload_too_large: [413, 400],
  unsupported_media_type: 415,
  not_found: 404,
  method_not_allowed: 405,
  upgrade_required: 426,
  rate_limited: 429,
  internal_error: 500,
  misconfigured: 503,
  unavailable: 503,
  /** An HTTPException whose status has no code of its own; the status stays. */
  error: ANY_STATUS,
  /** A reference document's own refusal: its door renders the document's number (extra), never this code. */
  dialect: ANY_STATUS,

  // Accounts and sessions.
  unauthorized: 401,
  invalid_credentials: 401,
  invalid_refresh_token: 401,
  refresh_token_reused: 401,
  session_not_found: 404,
  username_taken: 409,
  wrong_password: 403,
  password_required: 400,
  invalid_avatar_url: 400,
  owns_rooms: 409,
  user_not_found: 404,
  forbidden: 403,

  // Rooms and conversations.
  room_not_found: 404,
  /** 409; 400 at documents 001 and 002's room creation, whose error tables have no 409. */
  room_name_taken: [409, 400],
  room_archived: 403,
  /** 409; 400 at documents 001 and 002's join, whose error tables have no 409. */
  room_full: [409, 400],
  room_too_large: 400,
  direct_conversation: 400,
  max_members_too_low: 400,
  cannot_message_user: 403,
  cannot_add_user: 403,
  duplicate_member_ids: 400,
  cannot_target_self: 400,

  // Membership, invitations, join requests, bans.
  /** Refused as a non-member (403); leaving a room you are not in (404). */
  not_a_member: [403, 404],
  already_member: 400,
  member_not_found: 404,
  membership_changed: 409,
  owner_cannot_leave: 403,
  cannot_change_own_role: 403,
  cannot_change_owner: 403,
  cannot_remove_owner: 403,
  already_owner: 400,
  ownership_changed: 409,
  invitation_required: 403,
  invitation_pending: 409,
  invitation_not_pending: 400,
  invitation_not_found: 404,
  cannot_invite_self: 400,
  invite_code_not_found: 404,
  invite_code_revoked: 410,
  invite_code_expired: 410,
  invite_code_used_up: 410,
  request_pending: 409,
  request_not_pending: 400,
  banned: 403,
  already_banned: 409,
  cannot_ban_self: 400,
  cannot_ban_owner: 403,
  ban_not_found: 404,

  // Messages, reactions and room sockets.
  message_not_found: 404,
  invalid_message_id: 400,
  invalid_reply_to: 400,
  empty_message: 400,
  system_message: 403,
  cannot_message: 403,
  not_your_message: 403,
  mention_not_allowed: 403,
  recall_window_passed: 403,
  client_id_conflict: 409,
  too_many_reactions: 409,
  pin_limit_reached: 409,
  thread_not_found: 404,
  invalid_thread_id: 400,
  thread_in_thread: 400,
  location_required: 400,
  unexpected_location: 400,
  media_required: 400,
  unexpected_media: 400,
  media_type_mismatch: 400,
  use_upload: 400,
  use_rest: 400,
  invalid_since: 400,
  binary_not_supported: 400,
  invalid_json: 400,
  invalid_frame: 400,

  // Files and pictures.
  file_not_found: 404,
  file_in_other_room: 400,
  invalid_media_url: 400,
  media_mismatch: 400,
  length_required: 411,
  invalid_content_length: 400,
  content_length_mismatch: 400,
  too_many_files: 400,
  fields_too_large: 400,
  empty_file: 400,
  not_an_image: 400,
  quota_exceeded: 413,
  range_not_satisfiable: 416,
  signature_expired: 403,
  invalid_signature: 403,
  avatar_file: 409,

  // Friends, follows, blocks.
  cannot_friend_self: 400,
  cannot_send_request: 403,
  request_already_sent: 409,
  already_friends: 409,
  not_friends: 409,
  friend_request_not_found: 404,
  not_recipient: 403,
  cannot_follow_self: 400,
  cannot_follow: 403,
  already_following: 409,
  not_following: 404,
  cannot_block_self: 400,
  already_blocked: 409,
  not_blocked: 404,

  // Notifications and broadcasts.
  template_not_found: 404,
  template_name_taken: 409,
  missing_template_params: 400,
  template_too_long: 400,
  notification_not_found: 404,
  broadcast_not_found: 404,
} as const satisfies Record<string, ContentfulStatusCode | readonly ContentfulStatusCode[]>;

export type Code = keyof typeof CODES;

type Statuses<V> = V extends readonly (infer S)[] ? S : V;
/** The statuses a code is sent with (for a union of codes: those of any of them). */
export type StatusOf<C extends Code> = C extends Code ? Statuses<(typeof CODES)[C]> : never;

/** Codes sent with exactly one status, which can therefore be read from the catalog. */
export type OneStatusCode = { [C in Code]: (typeof CODES)[C] extends number ? C : never }[Code];

export const statusOf = <C extends OneStatusCode>(code: C): StatusOf<C> => CODES[code] as StatusOf<C>;
