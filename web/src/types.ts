// Shapes the app reads from the API: the server's own schemas, as the frontend kit generates them
// from the OpenAPI document (client/src/rest.gen.ts), so nothing here can drift from the server.
import type { components } from "../../client/src/rest.gen";

type Schemas = components["schemas"];
export type User = Schemas["UserResponse"];
export type UserRef = { id: number; username: string; display_name?: string | null };
export type ChatMessage = Schemas["ChatMessageResponse"];
export type Reaction = ChatMessage["reactions"][number];
export type Room = Schemas["ChatRoomResponse"];
export type Member = Schemas["ChatRoomMemberResponse"];
export type InboxItem = Schemas["ConversationSummary"];
export type Notification = Schemas["Notification"];
export type Pin = Schemas["Pin"];
export type MessageVersion = Schemas["MessageVersion"];
/** One of the room's threads: its root (with the summary), my unread count in it, whether I follow it. */
export type ThreadItem = Schemas["ThreadItem"];
