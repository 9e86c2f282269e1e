// The app shell: who is signed in, the route (the room in the address bar), the conversation list
// and the user socket that keeps it and the notification badge current.
import { render } from "preact";
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { api, getToken, onUnauthorized, setToken } from "./api";
import { Avatar } from "./Avatar";
import { Icon } from "./Icon";
import { Login } from "./Login";
import { BrowseRooms, CreateRoom, NewDirect, NotificationsPanel, Profile } from "./Panels";
import { ConnectionBadge } from "./ConnectionBadge";
import { UserConnection, type ConnState } from "./realtime";
import { RoomView } from "./RoomView";
import type { InboxItem, User } from "./types";
import "./styles.css";

export type View = { kind: "home" } | { kind: "room"; id: number } | { kind: "browse" } | { kind: "create" } | { kind: "direct" } | { kind: "profile" };

function parseRoute(): View {
  const m = /^\/rooms\/(\d+)\/?$/.exec(location.pathname);
  if (m) return { kind: "room", id: Number(m[1]) };
  const page = location.pathname.slice(1);
  if (page === "browse" || page === "create" || page === "direct" || page === "profile") return { kind: page };
  return { kind: "home" };
}
const pathOf = (v: View) => (v.kind === "room" ? `/rooms/${v.id}` : v.kind === "home" ? "/" : `/${v.kind}`);

function App() {
  const [user, setUser] = useState<User | null>(null);
  const [signedIn, setSignedIn] = useState(!!getToken());

  useEffect(() => {
    onUnauthorized(() => {
      setToken(null);
      setSignedIn(false);
      setUser(null);
    });
    if (getToken()) api.me().then(setUser, () => {});
  }, []);

  if (!signedIn)
    return (
      <Login
        onSignedIn={(token, refresh, u) => {
          setToken(token, refresh);
          setUser(u);
          setSignedIn(true);
        }}
      />
    );
  if (!user) return <p class="loading">Loading…</p>;
  return (
    <Shell
      user={user}
      onUser={setUser}
      onLogout={() => {
        void api.logout();
        setToken(null);
        setSignedIn(false);
        setUser(null);
        history.replaceState(null, "", "/");
      }}
    />
  );
}

function Shell({ user, onUser, onLogout }: { user: User; onUser: (u: User) => void; onLogout: () => void }) {
  const [view, setView] = useState<View>(parseRoute);
  const [inbox, setInbox] = useState<InboxItem[]>([]);
  const [unreadNotes, setUnreadNotes] = useState(0);
  const [notesOpen, setNotesOpen] = useState(false);
  const [userState, setUserState] = useState<ConnState>("connecting");
  const refreshTimer = useRef<number>();
  // The newest message this tab saw live in each room: the list's summary is written by the room
  // about a second behind, so a refresh must not take an older preview over a newer one.
  const seen = useRef(new Map<number, { id: number; sender: string; content: string }>());
  const withSeen = (items: InboxItem[]) =>
    items.map((item) => {
      const s = seen.current.get(item.id);
      return s && s.id > item.last_message_id ? { ...item, last_message_id: s.id, last_message: { sender: s.sender, content: s.content } } : item;
    });

  const go = useCallback((v: View) => {
    history.pushState(null, "", pathOf(v));
    setView(v);
    setNotesOpen(false);
  }, []);

  const refreshInbox = useCallback(() => {
    clearTimeout(refreshTimer.current);
    // Coalesces bursts (a busy room, a replay after reconnecting) into one request.
    refreshTimer.current = window.setTimeout(() => {
      api.inbox().then((items) => setInbox(withSeen(items)), () => {});
      api.notificationStats().then((s) => setUnreadNotes(s.unread), () => {});
    }, 150);
  }, []);

  useEffect(() => {
    const pop = () => setView(parseRoute());
    addEventListener("popstate", pop);
    refreshInbox();
    // The user socket pushes notifications and every conversation's new messages (about a second
    // after they are sent; a burst refreshes the list once). The list also refreshes when this tab
    // becomes visible again and, while visible, every 20 s, in case a push was missed.
    let soon: number | undefined;
    const refreshSoon = () => (soon ??= window.setTimeout(() => ((soon = undefined), refreshInbox()), 300));
    const conn = new UserConnection({
      notification: () => refreshInbox(),
      message: refreshSoon,
      state: setUserState,
      reconnected: refreshInbox,
      closed: (c) => c.code === 4001 && onLogout(),
    });
    const onVisible = () => document.visibilityState === "visible" && refreshInbox();
    document.addEventListener("visibilitychange", onVisible);
    const poll = window.setInterval(() => document.visibilityState === "visible" && refreshInbox(), 20_000);
    return () => {
      removeEventListener("popstate", pop);
      document.removeEventListener("visibilitychange", onVisible);
      clearInterval(poll);
      clearTimeout(soon);
      conn.close();
    };
  }, []);

  const roomId = view.kind === "room" ? view.id : null;
  return (
    <div class={`shell ${view.kind === "home" ? "show-list" : "show-main"}`}>
      <header class="topbar">
        <button class="brand link" onClick={() => go({ kind: "home" })} aria-label="Conversations">
          edge chat
        </button>
        <ConnectionBadge state={userState} label="Notifications" />
        <span class="spacer" />
        <div class="notes-wrap">
          <button
            class="icon"
            aria-label={`Notifications, ${unreadNotes} unread`}
            aria-expanded={notesOpen}
            onClick={() => setNotesOpen(!notesOpen)}
          >
            <Icon name="bell" />{unreadNotes > 0 && <span class="badge" data-testid="notification-badge">{unreadNotes}</span>}
          </button>
          {notesOpen && (
            <NotificationsPanel
              onOpenRoom={(id) => go({ kind: "room", id })}
              onRead={() => setUnreadNotes(0)}
              onClose={() => setNotesOpen(false)}
            />
          )}
        </div>
        <button class="me link" onClick={() => go({ kind: "profile" })} aria-label="Your profile">
          <Avatar name={user.display_name || user.username} url={user.avatar_url} size={28} />
          <span class="me-name">{user.display_name || user.username}</span>
        </button>
        <button onClick={onLogout}>Log out</button>
      </header>
      <nav class="sidebar" aria-label="Conversations">
        <div class="sidebar-actions">
          <button onClick={() => go({ kind: "create" })}>New room</button>
          <button onClick={() => go({ kind: "browse" })}>Browse</button>
          <button onClick={() => go({ kind: "direct" })}>Direct</button>
        </div>
        {inbox.length === 0 && <p class="muted pad">No conversations yet. Create a room or browse public ones.</p>}
        <ul class="inbox">
          {inbox.map((item) => (
            <li key={item.id}>
              <a
                href={`/rooms/${item.id}`}
                class={`inbox-item ${item.id === roomId ? "active" : ""}`}
                aria-current={item.id === roomId ? "page" : undefined}
                onClick={(e) => {
                  e.preventDefault();
                  // Opening a room reads it (RoomView): its badges clear now, not at the next refresh.
                  setInbox((items) => items.map((i) => (i.id === item.id ? { ...i, unread_count: 0, mention_count: 0 } : i)));
                  go({ kind: "room", id: item.id });
                }}
              >
                <Avatar name={item.name} url={item.avatar_url} />
                <span class="inbox-text">
                  <span class="inbox-name">{item.name}</span>
                  <span class="inbox-last">{item.last_message ? `${item.last_message.sender}: ${item.last_message.content}` : "No messages yet"}</span>
                </span>
                {item.mention_count > 0 && item.id !== roomId && (
                  <span class="badge mention-badge" aria-label={`${item.mention_count} mentions`}>
                    @{item.mention_count}
                  </span>
                )}
                {/* Opening the room does not read its threads: this one stays until they are read. */}
                {item.thread_unread_count > 0 && (
                  <span class="badge thread-badge" aria-label={`${item.thread_unread_count} unread in threads`}>
                    <Icon name="thread" size={12} /> {item.thread_unread_count}
                  </span>
                )}
                {item.unread_count > 0 && item.id !== roomId && (
                  <span class="badge" aria-label={`${item.unread_count} unread`}>
                    {item.unread_count}
                  </span>
                )}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <main class="main">
        {view.kind === "room" && <RoomView key={view.id} roomId={view.id} title={inbox.find((i) => i.id === view.id)?.name} me={user} onBack={() => go({ kind: "home" })} onActivity={(m) => {
              seen.current.set(m.room_id, { id: m.id, sender: m.sender_name, content: m.content_text ?? m.file_name ?? m.message_type });
              setInbox((items) => withSeen(items));
              refreshInbox();
            }} onGone={(id) => (setInbox((items) => items.filter((i) => i.id !== id)), refreshInbox())} onThreadsRead={refreshInbox} />}
        {view.kind === "browse" && <BrowseRooms onOpen={(id) => (refreshInbox(), go({ kind: "room", id }))} onBack={() => go({ kind: "home" })} />}
        {view.kind === "create" && <CreateRoom onCreated={(id) => (refreshInbox(), go({ kind: "room", id }))} onBack={() => go({ kind: "home" })} />}
        {view.kind === "direct" && <NewDirect me={user} onOpen={(id) => (refreshInbox(), go({ kind: "room", id }))} onBack={() => go({ kind: "home" })} />}
        {view.kind === "profile" && <Profile user={user} onUser={onUser} onBack={() => go({ kind: "home" })} />}
        {view.kind === "home" && <p class="muted empty-main">Pick a conversation, or start one.</p>}
      </main>
    </div>
  );
}

render(<App />, document.getElementById("app")!);
