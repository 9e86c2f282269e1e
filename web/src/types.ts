// Shapes the app reads from the API (the subset it shows). The frontend kit's generated types
// replace these when it lands (client/).
export type User = {
  id: number;
  username: string;
  display_name: string | null;
  avatar_url: string | null;
  bio?: string | null;
};

export type UserRef = { id: number; username: string; display_name?: string | null };

export type Reaction = { emoji: string; count: number; me?: boolean };

export type ChatMessage = {
  id: number;
  room_id: number;
  sender_id: number;
  sender_name: string;
  content_text: string | null;
  message_type: string;
  media_url: string | null;
  file_id: number | null;
  file_name: string | null;
  file_size: number | null;
  content_type: string | null;
  width: number | null;
  height: number | null;
  media_removed: boolean;
  reply_to_id: number | null;
  reply_to: { id: number; sender_id: number; sender_name: string; preview: string | null; deleted: boolean } | null;
  reactions: Reaction[];
  client_id: string | null;
  sent_at: string;
  edited_at: string | null;
  deleted: boolean;
};

export type Room = {
  id: number;
  kind: "group" | "direct";
  name: string;
  description: string | null;
  visibility: "public" | "private";
  require_approval: boolean;
  members_count: number;
  my_role: "owner" | "admin" | "member" | null;
  last_message_id: number;
  online_members_count: number;
};

export type InboxItem = {
  id: number;
  kind: "group" | "direct";
  name: string;
  avatar_url: string | null;
  last_message: { sender: string; content: string } | null;
  last_message_id: number;
  last_activity_at: string;
  unread_count: number;
  my_role: "owner" | "admin" | "member";
  members_count: number;
  online_members_count: number;
};

export type Notification = {
  id: number;
  notification_type: string;
  title: string;
  content: string | null;
  room: { id: number; name: string } | null;
  is_read: boolean;
  created_at: string;
};
