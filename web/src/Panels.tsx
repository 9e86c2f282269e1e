// The app's smaller screens: create a room, browse and join public rooms, start a direct chat,
// the notification list and the profile with its avatar.
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { Avatar } from "./Avatar";
import { formatTime } from "./format";
import type { Notification, Room, User } from "./types";

const message = (e: unknown) => (e instanceof ApiError ? e.message : "Something went wrong. Try again.");

function Page({ title, onBack, children }: { title: string; onBack: () => void; children: ComponentChildren }) {
  return (
    <section class="page" aria-labelledby="page-title">
      <header class="page-head">
        <button class="icon back" onClick={onBack} aria-label="Back to conversations">
          ←
        </button>
        <h2 id="page-title">{title}</h2>
      </header>
      <div class="page-body">{children}</div>
    </section>
  );
}

export function CreateRoom({ onCreated, onBack }: { onCreated: (id: number) => void; onBack: () => void }) {
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [visibility, setVisibility] = useState<"public" | "private">("public");
  const [approval, setApproval] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function submit(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      const room = await api.createRoom({ name, description: description || undefined, visibility, require_approval: approval });
      onCreated(room.id);
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Page title="New room" onBack={onBack}>
      <form class="form" onSubmit={submit}>
        <label>
          Room name
          <input name="room-name" required maxLength={100} value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <input name="room-description" maxLength={500} value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        <label>
          Who can find it
          <select value={visibility} onChange={(e) => setVisibility(e.currentTarget.value as "public" | "private")}>
            <option value="public">Public: anyone can find it</option>
            <option value="private">Private: by invitation</option>
          </select>
        </label>
        <label class="check">
          <input type="checkbox" checked={approval} onChange={(e) => setApproval(e.currentTarget.checked)} />
          New members need approval
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit">
          Create room
        </button>
      </form>
    </Page>
  );
}

export function BrowseRooms({ onOpen, onBack }: { onOpen: (id: number) => void; onBack: () => void }) {
  const [q, setQ] = useState("");
  const [rooms, setRooms] = useState<Room[] | null>(null);
  const [status, setStatus] = useState<Record<number, string>>({});
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    const t = setTimeout(() => api.publicRooms(q.trim() || undefined).then(setRooms, (e) => setError(message(e))), 200);
    return () => clearTimeout(t);
  }, [q]);

  async function join(room: Room) {
    setError(null);
    try {
      const res = await api.join(room.id);
      if (res.status === "approved") onOpen(room.id);
      else setStatus({ ...status, [room.id]: "Request sent: waiting for approval" });
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Page title="Public rooms" onBack={onBack}>
      <label>
        Search rooms
        <input type="search" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {rooms && rooms.length === 0 && <p class="muted">No public rooms{q ? " match" : " yet"}.</p>}
      <ul class="list">
        {rooms?.map((room) => (
          <li key={room.id} class="list-row">
            <Avatar name={room.name} url={null} />
            <span class="grow">
              <strong>{room.name}</strong>
              <span class="muted small">
                {" "}
                · {room.members_count} members{room.require_approval ? " · approval needed" : ""}
              </span>
              {room.description && <span class="muted small block">{room.description}</span>}
            </span>
            {status[room.id] ? (
              <span class="muted small">{status[room.id]}</span>
            ) : room.my_role ? (
              <button onClick={() => onOpen(room.id)}>Open</button>
            ) : (
              <button class="primary" onClick={() => join(room)} aria-label={`${room.require_approval ? "Ask to join" : "Join"} ${room.name}`}>
                {room.require_approval ? "Ask to join" : "Join"}
              </button>
            )}
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function NewDirect({ me, onOpen, onBack }: { me: User; onOpen: (id: number) => void; onBack: () => void }) {
  const [q, setQ] = useState("");
  const [users, setUsers] = useState<User[]>([]);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    if (!q.trim()) return setUsers([]);
    const t = setTimeout(() => api.searchUsers(q.trim()).then((u) => setUsers(u.filter((x) => x.id !== me.id)), (e) => setError(message(e))), 200);
    return () => clearTimeout(t);
  }, [q]);
  async function open(u: User) {
    try {
      onOpen((await api.direct(u.id)).id);
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Page title="Direct chat" onBack={onBack}>
      <label>
        Find people
        <input type="search" placeholder="username" value={q} onInput={(e) => setQ(e.currentTarget.value)} />
      </label>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <ul class="list">
        {users.map((u) => (
          <li key={u.id} class="list-row">
            <Avatar name={u.display_name || u.username} url={u.avatar_url} />
            <span class="grow">
              <strong>{u.display_name || u.username}</strong> <span class="muted small">@{u.username}</span>
            </span>
            <button class="primary" onClick={() => open(u)} aria-label={`Message ${u.username}`}>
              Message
            </button>
          </li>
        ))}
      </ul>
    </Page>
  );
}

export function NotificationsPanel({ onOpenRoom, onRead, onClose }: { onOpenRoom: (id: number) => void; onRead: () => void; onClose: () => void }) {
  const [items, setItems] = useState<Notification[] | null>(null);
  useEffect(() => {
    api.notifications().then(setItems, () => setItems([]));
  }, []);
  return (
    <div class="notes" role="dialog" aria-label="Notifications" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <div class="notes-head">
        <strong>Notifications</strong>
        <button class="link" onClick={() => api.readNotifications().then(() => (onRead(), setItems(items?.map((n) => ({ ...n, is_read: true })) ?? null)))}>
          Mark all read
        </button>
      </div>
      {items && items.length === 0 && <p class="muted pad">Nothing yet.</p>}
      <ul>
        {items?.map((n) => (
          <li key={n.id} class={n.is_read ? "read" : "unread"}>
            <button class="note" onClick={() => n.room && onOpenRoom(n.room.id)}>
              <strong>{n.title}</strong>
              {n.content && <span class="block small">{n.content}</span>}
              <time class="muted small" dateTime={n.created_at}>
                {formatTime(n.created_at)}
              </time>
            </button>
          </li>
        ))}
      </ul>
    </div>
  );
}

export function Profile({ user, onUser, onBack }: { user: User; onUser: (u: User) => void; onBack: () => void }) {
  const [displayName, setDisplayName] = useState(user.display_name ?? "");
  const [error, setError] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  async function save(e: Event) {
    e.preventDefault();
    setError(null);
    try {
      onUser(await api.updateMe({ display_name: displayName.trim() || null }));
      setSaved(true);
    } catch (err) {
      setError(message(err));
    }
  }
  async function upload(file: File | undefined) {
    if (!file) return;
    setError(null);
    try {
      onUser(await api.uploadAvatar(file));
    } catch (err) {
      setError(message(err));
    }
  }
  return (
    <Page title="Your profile" onBack={onBack}>
      <div class="profile">
        <Avatar name={user.display_name || user.username} url={user.avatar_url} size={96} />
        <div>
          <p>
            <strong>{user.display_name || user.username}</strong> <span class="muted">@{user.username}</span>
          </p>
          <label class="file-button">
            Change picture
            <input type="file" accept="image/*" onChange={(e) => upload(e.currentTarget.files?.[0])} />
          </label>
        </div>
      </div>
      <form class="form" onSubmit={save}>
        <label>
          Display name
          <input maxLength={64} value={displayName} onInput={(e) => (setDisplayName(e.currentTarget.value), setSaved(false))} />
        </label>
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button class="primary" type="submit">
          Save
        </button>
        {saved && <span class="muted" role="status"> Saved.</span>}
      </form>
    </Page>
  );
}
