// One thread beside the room's timeline: its root, the replies oldest first (GET /threads/{root},
// then kept by the room socket's frames tagged with this thread_id), a composer that sends into
// the thread (and, with "Also send to room", into the timeline too), and the thread marked read
// when it opens and whenever a reply from someone else arrives while it is open in a visible tab.
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { Composer } from "./Composer";
import { MessageItem, type Pending } from "./MessageItem";
import { withReaction, type RoomFrame } from "./realtime";
import type { ChatMessage, User } from "./types";

export type ThreadActions = {
  react: (id: number, emoji: string, on: boolean) => void;
  edit: (id: number, text: string) => void;
  remove: (id: number) => void;
  send: (text: string, alsoToRoom: boolean) => void;
  /** Replies loaded over REST (the room view notes which reactions are mine). */
  loaded: (list: ChatMessage[]) => void;
};

export function ThreadPane({
  roomId,
  root,
  me,
  myReactions,
  pending,
  following,
  subscribe,
  actions,
  onRead,
  onFollow,
  onClose,
}: {
  roomId: number;
  root: ChatMessage;
  me: User;
  myReactions: Set<string>;
  /** My sends into this thread not yet stored. */
  pending: Pending[];
  following: boolean | undefined;
  /** The room socket's frames, as they come; returns the unsubscribe. */
  subscribe: (fn: (f: RoomFrame) => void) => () => void;
  actions: ThreadActions;
  onRead: () => void;
  onFollow: (on: boolean) => void;
  onClose: () => void;
}) {
  const [byId, setById] = useState<Map<number, ChatMessage>>(new Map());
  const [alsoToRoom, setAlsoToRoom] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const scroller = useRef<HTMLDivElement>(null);
  const newest = useRef(0);
  const replies = useMemo(() => [...byId.values()].sort((a, b) => a.id - b.id), [byId]);

  function merge(list: ChatMessage[]) {
    const mine = list.filter((m) => m.thread_id === root.id);
    if (!mine.length) return;
    for (const m of mine) newest.current = Math.max(newest.current, m.id);
    actions.loaded(mine);
    setById((prev) => {
      const next = new Map(prev);
      for (const m of mine) next.set(m.id, m);
      return next;
    });
  }

  const readSoon = () => document.visibilityState === "visible" && onRead();

  // Replies newer than the newest one here: all of them on opening, what was missed on a reconnect.
  async function load() {
    let after = newest.current || undefined;
    for (;;) {
      const page = await api.thread(roomId, root.id, { after, limit: 100 });
      merge(page);
      if (page.length < 100) return;
      after = page[page.length - 1]!.id;
    }
  }

  useEffect(() => {
    let live = true;
    load().then(
      () => live && readSoon(),
      (e) => live && setError(e instanceof ApiError ? e.message : "The thread could not be loaded."),
    );
    const off = subscribe((f) => {
      switch (f.type) {
        case "connection_established":
          load().catch(() => {});
          return;
        case "chat_message":
          if (f.message.thread_id !== root.id) return;
          merge([f.message]);
          if (f.message.sender_id !== me.id) readSoon();
          return;
        case "message_updated":
        case "message_deleted":
          merge([f.message]);
          return;
        case "reaction":
          setById((prev) => withReaction(prev, f));
          return;
      }
    });
    const onVisible = () => readSoon();
    document.addEventListener("visibilitychange", onVisible);
    return () => {
      live = false;
      off();
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [roomId, root.id]);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [replies, pending]);

  const item = (m: ChatMessage) => (
    <MessageItem
      key={m.id}
      m={m}
      mine={m.sender_id === me.id}
      myReactions={myReactions}
      onReact={(emoji, on) => actions.react(m.id, emoji, on)}
      onEdit={(text) => actions.edit(m.id, text)}
      onDelete={() => actions.remove(m.id)}
    />
  );
  const n = replies.filter((m) => !m.deleted).length;
  return (
    <aside class="thread-pane" aria-label="Thread">
      <header class="pins-head">
        <strong class="grow">Thread</strong>
        {following !== undefined && (
          <button class="link small" aria-pressed={following} onClick={() => onFollow(!following)}>
            {following ? "Unfollow" : "Follow"}
          </button>
        )}
        <button class="icon" aria-label="Close thread" onClick={onClose}>
          ✕
        </button>
      </header>
      <div class="thread-messages" ref={scroller} role="log" aria-label="Thread messages" aria-live="polite">
        <div class="thread-root">{item(root)}</div>
        <p class="muted small thread-count">{n === 1 ? "1 reply" : `${n} replies`}</p>
        {replies.map(item)}
        {pending.map((p) => (
          <MessageItem key={p.client_id} pending={p} mine />
        ))}
      </div>
      {error && (
        <p class="error pad" role="alert">
          {error}
        </p>
      )}
      <Composer
        id="thread-composer-text"
        label="Thread reply"
        placeholder="Reply in the thread"
        autoFocus
        replyTo={null}
        onCancelReply={() => {}}
        onSend={(text) => actions.send(text, alsoToRoom)}
        // No typing frames from here: the room's typing line would say it about the wrong place.
        onTyping={() => {}}
      >
        <label class="check small also">
          <input type="checkbox" checked={alsoToRoom} onChange={(e) => setAlsoToRoom(e.currentTarget.checked)} />
          Also send to room
        </label>
      </Composer>
    </aside>
  );
}
