// The room's header: its name, who else is online, the buttons of the room's lists (threads with my
// unread total, pins), its members and the room socket's state.
import { ConnectionBadge } from "./ConnectionBadge";
import { Icon } from "./Icon";
import { Members } from "./Members";
import type { ConnState } from "./realtime";
import type { Room, User, UserRef } from "./types";

export type RoomList = "pins" | "threads" | null;

export function RoomHeader(p: {
  title: string;
  room: Room | null;
  me: User;
  online: UserRef[];
  state: ConnState;
  showMembers: boolean;
  pins: number;
  threadsUnread: number;
  open: RoomList;
  onOpen: (l: RoomList) => void;
  onBack: () => void;
}) {
  const nameOf = (u: UserRef) => u.display_name || u.username;
  const others = p.online.filter((u) => u.id !== p.me.id);
  const toggle = (l: RoomList) => p.onOpen(p.open === l ? null : l);
  return (
    <header class="room-head">
      <button class="icon back" onClick={p.onBack} aria-label="Back to conversations">
        ←
      </button>
      <div class="grow">
        <h2>{p.title}</h2>
        <p class="muted small online" aria-label="Online now">
          {others.length ? `Online: ${others.map(nameOf).join(", ")}` : "Nobody else is online"}
        </p>
      </div>
      <button class="icon" aria-label={`Threads (${p.threadsUnread} unread)`} aria-expanded={p.open === "threads"} onClick={() => toggle("threads")}>
        <Icon name="thread" />
        {p.threadsUnread > 0 && <span class="badge thread-badge">{p.threadsUnread}</span>}
      </button>
      <button class="icon" aria-label={`Pinned messages (${p.pins})`} aria-expanded={p.open === "pins"} onClick={() => toggle("pins")}>
        <Icon name="pin" /> <span class="count">{p.pins}</span>
      </button>
      {p.room && p.showMembers && <Members roomId={p.room.id} role={p.room.my_role} meId={p.me.id} />}
      <ConnectionBadge state={p.state} label="Room connection" />
    </header>
  );
}
