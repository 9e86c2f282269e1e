// One conversation: history (older pages on scroll-back), live frames from the room socket, who is
// online and typing, read positions, pins and edit histories, and the composer. Messages are kept by id, so a replay after
// reconnecting can never show one twice; sends wait in the connection's outbox and show as
// "sending" until their own chat_message comes back.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError, type JoinRequest } from "./api";
import { closedMessage } from "./closed";
import { Composer } from "./Composer";
import { ConnectionBadge } from "./ConnectionBadge";
import { EditHistory } from "./EditHistory";
import { Icon } from "./Icon";
import { JoinRequests } from "./JoinRequests";
import { Members } from "./Members";
import { newClientId } from "./format";
import { MessageItem, type Pending } from "./MessageItem";
import { PinsPanel } from "./PinsPanel";
import { RoomConnection, type ConnState, type RoomFrame } from "./realtime";
import type { ChatMessage, Pin, Room, User, UserRef } from "./types";

const PAGE = 50;
const nameOf = (u: UserRef) => u.display_name || u.username;

export function RoomView({
  roomId,
  title,
  me,
  onBack,
  onActivity,
  onGone,
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
}) {
  const [room, setRoom] = useState<Room | null>(null);
  const [byId, setById] = useState<Map<number, ChatMessage>>(new Map());
  const [pending, setPending] = useState<Pending[]>([]);
  const [state, setState] = useState<ConnState>("connecting");
  const [online, setOnline] = useState<UserRef[]>([]);
  const [typing, setTyping] = useState<Map<number, { name: string; until: number }>>(new Map());
  const [reads, setReads] = useState<Map<number, { name: string; id: number }>>(new Map());
  const [mine, setMine] = useState<Set<string>>(new Set()); // "messageId emoji" I reacted with
  const [hasOlder, setHasOlder] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [fatal, setFatal] = useState<string | null>(null);
  const [replyTo, setReplyTo] = useState<ChatMessage | null>(null);
  const [requests, setRequests] = useState<JoinRequest[]>([]);
  const [pins, setPins] = useState<Pin[]>([]);
  const [showPins, setShowPins] = useState(false);
  const [historyOf, setHistoryOf] = useState<number | null>(null);
  const conn = useRef<RoomConnection | null>(null);
  // Sends made before the connection exists (history still loading) wait here, then join its outbox.
  const early = useRef<Parameters<RoomConnection["send"]>[0][]>([]);
  const lastSeen = useRef(0);
  const scroller = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  const keepFrom = useRef<number | null>(null); // scrollHeight before an older page was prepended

  const messages = useMemo(() => [...byId.values()].sort((a, b) => a.id - b.id), [byId]);

  function merge(list: ChatMessage[]) {
    if (!list.length) return;
    setById((prev) => {
      const next = new Map(prev);
      for (const m of list) next.set(m.id, m);
      return next;
    });
    const myReactions = list.flatMap((m) => m.reactions.filter((r) => r.me).map((r) => `${m.id} ${r.emoji}`));
    if (myReactions.length) setMine((s) => new Set([...s, ...myReactions]));
  }

  const addPin = (p: Pin) => setPins((list) => [p, ...list.filter((x) => x.message.id !== p.message.id)]);
  const dropPin = (id: number) => setPins((list) => (list.some((x) => x.message.id === id) ? list.filter((x) => x.message.id !== id) : list));

  function onFrame(f: RoomFrame) {
    switch (f.type) {
      case "connection_established":
        setOnline(f.online);
        // Pin frames are live only: the list is read again on every (re)connect.
        api.pins(roomId).then(setPins, () => {});
        return;
      case "message_pinned":
        addPin(f.pin);
        return;
      case "message_unpinned":
        dropPin(f.message_id);
        return;
      case "chat_message":
        lastSeen.current = Math.max(lastSeen.current, f.message.id);
        merge([f.message]);
        if (f.message.client_id) setPending((p) => p.filter((x) => x.client_id !== f.message.client_id));
        setTyping((t) => {
          if (!t.has(f.message.sender_id)) return t;
          const next = new Map(t);
          next.delete(f.message.sender_id);
          return next;
        });
        onActivity(f.message);
        return;
      case "message_updated":
      case "message_deleted":
        merge([f.message]);
        if (f.type === "message_deleted") dropPin(f.message.id);
        else setPins((list) => list.map((p) => (p.message.id === f.message.id ? { ...p, message: f.message } : p)));
        return;
      case "typing":
        if (f.user.id === me.id) return;
        setTyping((t) => {
          const next = new Map(t);
          if (f.is_typing) next.set(f.user.id, { name: nameOf(f.user), until: Date.now() + 6000 });
          else next.delete(f.user.id);
          return next;
        });
        return;
      case "user_join":
        setOnline((o) => (o.some((u) => u.id === f.user.id) ? o : [...o, f.user]));
        return;
      case "user_leave":
        setOnline((o) => o.filter((u) => u.id !== f.user.id));
        return;
      case "read":
        if (f.user.id !== me.id) setReads((r) => new Map(r).set(f.user.id, { name: nameOf(f.user), id: f.message_id }));
        return;
      case "reaction":
        setById((prev) => {
          const m = prev.get(f.message_id);
          return m ? new Map(prev).set(m.id, { ...m, reactions: f.reactions }) : prev;
        });
        if (f.user.id === me.id)
          setMine((s) => {
            const next = new Set(s);
            if (f.action === "add") next.add(`${f.message_id} ${f.emoji}`);
            else next.delete(`${f.message_id} ${f.emoji}`);
            return next;
          });
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
    // Typing expires on its own if the stop frame never comes (the typist's tab closed).
    const sweep = window.setInterval(
      () =>
        setTyping((t) => {
          const now = Date.now();
          return [...t.values()].some((x) => x.until < now) ? new Map([...t].filter(([, x]) => x.until >= now)) : t;
        }),
      1000,
    );
    return () => {
      live = false;
      clearInterval(sweep);
      conn.current?.close();
      conn.current = null;
    };
  }, [roomId]);

  // Keep the view at the bottom for new messages unless the reader scrolled up; keep the reader's
  // place when an older page is prepended.
  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    if (keepFrom.current !== null) {
      el.scrollTop += el.scrollHeight - keepFrom.current;
      keepFrom.current = null;
    } else if (stick.current) el.scrollTop = el.scrollHeight;
  }, [messages, pending]);

  // Read position: the newest message, once it is on screen in a visible tab.
  const lastId = messages.length ? messages[messages.length - 1]!.id : 0;
  const sentRead = useRef(0);
  useEffect(() => {
    const mark = () => {
      if (document.visibilityState !== "visible" || !stick.current || lastId <= sentRead.current || state !== "open") return;
      sentRead.current = lastId;
      conn.current?.read(lastId);
    };
    mark();
    document.addEventListener("visibilitychange", mark);
    return () => document.removeEventListener("visibilitychange", mark);
  }, [lastId, state]);

  async function loadOlder() {
    const oldest = messages[0]?.id;
    if (!oldest || !hasOlder) return;
    setHasOlder(false);
    const page = await api.history(roomId, { before: oldest, limit: PAGE }).catch(() => null);
    if (!page) return setHasOlder(true);
    keepFrom.current = scroller.current?.scrollHeight ?? null;
    merge(page);
    setHasOlder(page.length === PAGE);
  }

  function onScroll() {
    const el = scroller.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    if (el.scrollTop < 80) loadOlder();
    if (stick.current && lastId > sentRead.current && state === "open") {
      sentRead.current = lastId;
      conn.current?.read(lastId);
    }
  }

  function send(text: string) {
    const msg = { client_id: newClientId(), content_text: text, reply_to_id: replyTo?.id ?? null };
    setPending((p) => [...p, { ...msg, reply_to: replyTo }]);
    setReplyTo(null);
    stick.current = true;
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

  async function setPinned(id: number, on: boolean) {
    if (on) addPin(await api.pin(roomId, id));
    else {
      await api.unpin(roomId, id);
      dropPin(id);
    }
  }

  const canPin = !!room && (room.kind === "direct" || room.my_role === "owner" || room.my_role === "admin" || me.is_admin);
  const pinnedIds = new Set(pins.map((p) => p.message.id));
  const others = online.filter((u) => u.id !== me.id);
  const typists = [...typing.values()].map((t) => t.name);
  const readers = new Map<number, string[]>();
  for (const r of reads.values()) readers.set(r.id, [...(readers.get(r.id) ?? []), r.name]);

  return (
    <section class="room" aria-label={`Room ${title ?? room?.name ?? ""}`}>
      <header class="room-head">
        <button class="icon back" onClick={onBack} aria-label="Back to conversations">
          ←
        </button>
        <div class="grow">
          <h2>{title ?? room?.name ?? "…"}</h2>
          <p class="muted small online" aria-label="Online now">
            {others.length ? `Online: ${others.map(nameOf).join(", ")}` : "Nobody else is online"}
          </p>
        </div>
        <button class="icon" aria-label={`Pinned messages (${pins.length})`} aria-expanded={showPins} onClick={() => setShowPins(!showPins)}>
          <Icon name="pin" /> <span class="count">{pins.length}</span>
        </button>
        {room && !fatal && room.kind !== "direct" && <Members roomId={roomId} role={room.my_role} meId={me.id} />}
        <ConnectionBadge state={state} label="Room connection" />
      </header>
      {showPins && <PinsPanel pins={pins} canPin={canPin} onUnpin={(id) => act(() => setPinned(id, false))} onClose={() => setShowPins(false)} />}
      {historyOf !== null && <EditHistory key={historyOf} roomId={roomId} messageId={historyOf} onClose={() => setHistoryOf(null)} />}
      <JoinRequests requests={requests} onDone={(id) => setRequests(requests.filter((x) => x.id !== id))} onError={setError} />
      {fatal ? (
        <p class="error pad" role="alert">
          {fatal}
        </p>
      ) : (
        <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite">
          {hasOlder && (
            <button class="link older" onClick={loadOlder}>
              Load older messages
            </button>
          )}
          {messages.map((m) => (
            <MessageItem
              key={m.id}
              m={m}
              mine={m.sender_id === me.id}
              myReactions={mine}
              readBy={readers.get(m.id)}
              pinned={pinnedIds.has(m.id)}
              canPin={canPin}
              onPin={(on) => act(() => setPinned(m.id, on))}
              onHistory={() => setHistoryOf(m.id)}
              onReply={() => setReplyTo(m)}
              onReact={(emoji, on) => conn.current?.react(m.id, emoji, on ? "add" : "remove")}
              onEdit={(text) => act(() => api.edit(roomId, m.id, text))}
              onDelete={() => act(() => api.remove(roomId, m.id))}
            />
          ))}
          {pending.map((p) => (
            <MessageItem key={p.client_id} pending={p} mine />
          ))}
        </div>
      )}
      <p class="typing muted small" aria-live="polite" data-testid="typing">
        {typists.length === 1 ? `${typists[0]} is typing…` : typists.length > 1 ? `${typists.join(", ")} are typing…` : ""}
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
        <Composer
          replyTo={replyTo}
          onCancelReply={() => setReplyTo(null)}
          onSend={send}
          onTyping={(on) => conn.current?.typing(on)}
          onFile={upload}
        />
      )}
    </section>
  );
}
