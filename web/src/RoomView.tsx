// One conversation: history (older pages on scroll-back), live frames from the room socket, who is
// online and typing, read positions, pins and edit histories, threads, and the composer. Messages
// are kept by id, so a replay after reconnecting can never show one twice; sends wait in the
// connection's outbox and show as "sending" until their own chat_message comes back. A thread-only
// reply never joins the timeline: it goes to the open thread pane, and its root's "N replies"
// comes from the threads list, read again when a reply arrives.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError, type JoinRequest } from "./api";
import { closedMessage } from "./closed";
import { Composer } from "./Composer";
import { EditHistory } from "./EditHistory";
import { JoinRequests } from "./JoinRequests";
import { newClientId } from "./format";
import { MessageItem, type Pending } from "./MessageItem";
import { PinsPanel } from "./PinsPanel";
import { RoomConnection, withReaction, type ConnState, type Outgoing, type RoomFrame } from "./realtime";
import { RoomHeader, type RoomList } from "./RoomHeader";
import { ThreadPane } from "./ThreadPane";
import { ThreadsPanel } from "./ThreadsPanel";
import { Timeline } from "./Timeline";
import type { ChatMessage, Room, ThreadItem, User } from "./types";
import { usePins } from "./usePins";
import { usePresence } from "./usePresence";
import { useThreads } from "./useThreads";

const PAGE = 50;
/** A reply that lives in its thread only, never in the timeline. */
const threadOnly = (m: { thread_id?: number | null; also_to_room?: boolean }) => !!m.thread_id && !m.also_to_room;

export function RoomView({
  roomId,
  title,
  me,
  onBack,
  onActivity,
  onGone,
  onThreadsRead,
}: {
  roomId: number;
  /** What the conversation list calls it (a direct chat: the other person). */
  title?: string;
  me: User;
  onBack: () => void;
  /** A message arrived live (the conversation list shows it as the last one). */
  onActivity: (m: ChatMessage) => void;
  /** The room is no longer ours (removed, banned, left, deleted): the list drops it at once. */
  onGone: (roomId: number) => void;
  /** A thread was read, or one got a reply: the list's thread_unread_count is to be read again. */
  onThreadsRead: () => void;
}) {
  const [room, setRoom] = useState<Room | null>(null);
  const [byId, setById] = useState<Map<number, ChatMessage>>(new Map());
  const [pending, setPending] = useState<Pending[]>([]);
  const [state, setState] = useState<ConnState>("connecting");
  const [hasOlder, setHasOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [requests, setRequests] = useState<JoinRequest[]>([]);
  const [list, setList] = useState<RoomList>(null);
  const [threadOf, setThreadOf] = useState<number | null>(null);
  const [historyOf, setHistoryOf] = useState<number | null>(null);
  const conn = useRef<RoomConnection | null>(null);
  // Sends made before the connection exists (history still loading) wait here, then join its outbox.
  const early = useRef<Outgoing[]>([]);
  const lastSeen = useRef(0);
  const stick = useRef(true);
  // The open thread pane listens to the same socket.
  const listeners = useRef(new Set<(f: RoomFrame) => void>());
  const subscribe = (fn: (f: RoomFrame) => void) => (listeners.current.add(fn), () => void listeners.current.delete(fn));

  const messages = useMemo(() => [...byId.values()].sort((a, b) => a.id - b.id), [byId]);
  const presence = usePresence(roomId, me.id);
  const pins = usePins(roomId);
  // Each root in the timeline takes its summary from the server's threads list.
  const summaries = (items: ThreadItem[]) =>
    setById((prev) => {
      const changed = items.filter((t) => prev.has(t.root.id));
      if (!changed.length) return prev;
      const next = new Map(prev);
      for (const t of changed) next.set(t.root.id, { ...next.get(t.root.id)!, thread: t.root.thread });
      return next;
    });
  const threads = useThreads(roomId, summaries, onThreadsRead);

  function merge(all: ChatMessage[]) {
    const list = all.filter((m) => !threadOnly(m));
    if (!list.length) return;
    setById((prev) => {
      const next = new Map(prev);
      for (const m of list) next.set(m.id, m);
      return next;
    });
    presence.noteMine(list);
  }

  function onFrame(f: RoomFrame) {
    for (const fn of listeners.current) fn(f);
    pins.onFrame(f);
    presence.onFrame(f);
    switch (f.type) {
      case "connection_established":
        threads.refresh();
        return;
      case "chat_message":
        lastSeen.current = Math.max(lastSeen.current, f.message.id);
        if (f.message.client_id) setPending((p) => p.filter((x) => x.client_id !== f.message.client_id));
        if (f.message.thread_id !== null) {
          threads.refresh();
          onThreadsRead();
          if (threadOnly(f.message)) return;
        }
        merge([f.message]);
        onActivity(f.message);
        return;
      case "message_updated":
      case "message_deleted":
        // A deleted reply counts no more: its root's summary comes from the list again.
        if (f.message.thread_id !== null) threads.refresh();
        merge([f.message]);
        return;
      case "reaction":
        setById((prev) => withReaction(prev, f));
        return;
      case "gap":
        // Messages older than the replay window: fetch them over REST (pruned ones are gone).
        if (f.kind === "truncated") fillGap(f.from_id, f.to_id);
        return;
      case "error":
        setError(f.message);
        return;
    }
  }

  async function fillGap(from: number, to: number) {
    let after = from - 1;
    while (after < to) {
      const page = await api.history(roomId, { after, limit: 100 }).catch(() => [] as ChatMessage[]);
      if (!page.length) return;
      merge(page);
      after = page[page.length - 1]!.id;
    }
  }

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [r, first] = await Promise.all([api.room(roomId), api.history(roomId, { limit: PAGE })]);
        if (!live) return;
        setRoom(r);
        merge(first);
        setHasOlder(first.length === PAGE);
        lastSeen.current = first.length ? first[first.length - 1]!.id : 0;
        if (r.require_approval && (r.my_role === "owner" || r.my_role === "admin"))
          api.joinRequests(roomId).then((l) => live && setRequests(l.filter((x) => x.status === "pending")), () => {});
        conn.current = new RoomConnection(roomId, lastSeen.current, {
          frame: onFrame,
          state: setState,
          settled: (client_id, err) => {
            setPending((p) => p.filter((x) => x.client_id !== client_id));
            if (err) setError(err instanceof Error ? `Not sent: ${err.message}` : "A message could not be sent.");
          },
          closed: (c) => {
            setFatal(closedMessage(c));
            if (c.code !== 4001) onGone(roomId);
          },
        });
        for (const msg of early.current.splice(0)) conn.current.send(msg);
      } catch (e) {
        if (live) setFatal(e instanceof ApiError ? e.message : "This room cannot be opened.");
      }
    })();
    return () => {
      live = false;
      conn.current?.close();
      conn.current = null;
    };
  }, [roomId]);

  // Read position: the newest message, once it is on screen in a visible tab.
  const lastId = messages.length ? messages[messages.length - 1]!.id : 0;
  const sentRead = useRef(0);
  const markRead = () => {
    if (document.visibilityState !== "visible" || !stick.current || lastId <= sentRead.current || state !== "open") return;
    sentRead.current = lastId;
    conn.current?.read(lastId);
  };
  useEffect(() => {
    markRead();
    document.addEventListener("visibilitychange", markRead);
    return () => document.removeEventListener("visibilitychange", markRead);
  }, [lastId, state]);

  async function loadOlder() {
    const oldest = messages[0]?.id;
    if (!oldest || !hasOlder) return;
    setHasOlder(false);
    const page = await api.history(roomId, { before: oldest, limit: PAGE }).catch(() => null);
    if (!page) return setHasOlder(true);
    merge(page);
    setHasOlder(page.length === PAGE);
  }

  function send(text: string, thread?: { thread_id: number; also_to_room: boolean }) {
    const msg = { client_id: newClientId(), content_text: text, reply_to_id: thread ? null : (replyTo?.id ?? null), ...thread };
    setPending((p) => [...p, { ...msg, reply_to: thread ? null : replyTo }]);
    if (!thread) setReplyTo(null);
    if (!threadOnly(msg)) stick.current = true;
    if (conn.current) conn.current.send(msg);
    else early.current.push(msg);
  }

  async function upload(file: File) {
    setError(null);
    const client_id = newClientId();
    setPending((p) => [...p, { client_id, content_text: `Uploading ${file.name}…`, reply_to_id: replyTo?.id ?? null, reply_to: replyTo }]);
    try {
      const m = await api.upload(roomId, file, { client_id, reply_to_id: replyTo?.id });
      setReplyTo(null);
      merge([m]);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "The upload failed.");
    } finally {
      setPending((p) => p.filter((x) => x.client_id !== client_id));
    }
  }

  async function act(fn: () => Promise<unknown>) {
    setError(null);
    try {
      const m = await fn();
      if (m && typeof m === "object" && "id" in m) merge([m as ChatMessage]);
    } catch (e) {
      setError(e instanceof ApiError ? e.message : "That did not work.");
    }
  }

  const canPin = !!room && (room.kind === "direct" || room.my_role === "owner" || room.my_role === "admin" || me.is_admin);
  const threadRoot = threadOf === null ? null : (byId.get(threadOf) ?? threads.threads.find((t) => t.root.id === threadOf)?.root ?? null);
  const openThread = (id: number) => (setThreadOf(id), setList(null));
  const react = (id: number, emoji: string, on: boolean) => conn.current?.react(id, emoji, on ? "add" : "remove");

  return (
    <section class="room" aria-label={`Room ${title ?? room?.name ?? ""}`}>
      <RoomHeader
        title={title ?? room?.name ?? "…"}
        room={room}
        me={me}
        online={presence.online}
        state={state}
        showMembers={!!room && !fatal && room.kind !== "direct"}
        pins={pins.pins.length}
        threadsUnread={threads.unreadTotal}
        open={list}
        onOpen={setList}
        onBack={onBack}
      />
      {list === "pins" && <PinsPanel pins={pins.pins} canPin={canPin} onUnpin={(id) => act(() => pins.setPinned(id, false))} onClose={() => setList(null)} />}
      {list === "threads" && <ThreadsPanel threads={threads.threads} onOpen={openThread} onClose={() => setList(null)} />}
      {historyOf !== null && <EditHistory key={historyOf} roomId={roomId} messageId={historyOf} onClose={() => setHistoryOf(null)} />}
      <JoinRequests requests={requests} onDone={(id) => setRequests(requests.filter((x) => x.id !== id))} onError={setError} />
      <div class="room-body">
        <div class="room-main">
          {fatal ? (
            <p class="error pad" role="alert">
              {fatal}
            </p>
          ) : (
            <Timeline
              messages={messages}
              pending={pending.filter((p) => !threadOnly(p))}
              hasOlder={hasOlder}
              stick={stick}
              onOlder={loadOlder}
              onBottom={markRead}
              item={(m) => (
                <MessageItem
                  key={m.id}
                  m={m}
                  mine={m.sender_id === me.id}
                  myReactions={presence.mine}
                  readBy={presence.readers.get(m.id)}
                  pinned={pins.ids.has(m.id)}
                  canPin={canPin}
                  onPin={(on) => act(() => pins.setPinned(m.id, on))}
                  onHistory={() => setHistoryOf(m.id)}
                  onThread={() => openThread(m.thread_id ?? m.id)}
                  // The open thread is being read: its badge would only flicker until the list catches up.
                  threadUnread={m.id === threadOf ? 0 : threads.unread.get(m.id)}
                  onReply={() => setReplyTo(m)}
                  onReact={(emoji, on) => react(m.id, emoji, on)}
                  onEdit={(text) => act(() => api.edit(roomId, m.id, text))}
                  onDelete={() => act(() => api.remove(roomId, m.id))}
                />
              )}
            />
          )}
          <p class="typing muted small" aria-live="polite" data-testid="typing">
            {presence.typingLine}
          </p>
          {error && (
            <p class="error pad" role="alert">
              {error}{" "}
              <button class="link" onClick={() => setError(null)}>
                Dismiss
              </button>
            </p>
          )}
          {!fatal && (
            <Composer replyTo={replyTo} onCancelReply={() => setReplyTo(null)} onSend={(text) => send(text)} onTyping={(on) => conn.current?.typing(on)} onFile={upload} />
          )}
        </div>
        {threadRoot && !fatal && (
          <ThreadPane
            key={threadRoot.id}
            roomId={roomId}
            root={threadRoot}
            me={me}
            myReactions={presence.mine}
            pending={pending.filter((p) => p.thread_id === threadRoot.id)}
            following={threads.threads.find((t) => t.root.id === threadRoot.id)?.following}
            subscribe={subscribe}
            actions={{
              react,
              loaded: presence.noteMine,
              edit: (id, text) => act(() => api.edit(roomId, id, text)),
              remove: (id) => act(() => api.remove(roomId, id)),
              send: (text, also_to_room) => send(text, { thread_id: threadRoot.id, also_to_room }),
            }}
            onRead={() => threads.read(threadRoot.id)}
            onFollow={(on) => threads.follow(threadRoot.id, on)}
            onClose={() => setThreadOf(null)}
          />
        )}
      </div>
    </section>
  );
}
