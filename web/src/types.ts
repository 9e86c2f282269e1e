// Shapes the app reads from the API: the server's own schemas, as the frontend kit generates them
// from the OpenAPI document (client/src/rest.gen.ts), so nothing here can drift from the server.
import type { components } from "../../client/src/rest.gen";

type Schemas = components["schemas"];
export type User = Schemas["UserResponse"];
export type UserRef = { id: number; username: string; display_name?: string | null };
// TODO(threads): the server's schemas carry these once the threads branch is merged.
export type ThreadSummary = { reply_count: number; last_reply_at: string | null; participant_ids: number[] };
export type ChatMessage = Schemas["ChatMessageResponse"] & { thread_id: number | null; also_to_room: boolean; thread: ThreadSummary | null };
export type Reaction = ChatMessage["reactions"][number];
export type Room = Schemas["ChatRoomResponse"];
export type Member = Schemas["ChatRoomMemberResponse"];
export type InboxItem = Schemas["ConversationSummary"] & { thread_unread_count: number };
export type Notification = Schemas["Notification"];
export type Pin = Schemas["Pin"];
export type MessageVersion = Schemas["MessageVersion"];
export type ThreadItem = { root: ChatMessage; unread_count: number; following: boolean; last_read_id: number };
