// The room's message list and how it scrolls: it stays at the bottom for new messages unless the
// reader scrolled up, keeps the reader's place when an older page is prepended (the first id went
// down), asks for that page near the top, and says when the reader is at the bottom (reads).
import type { ComponentChildren } from "preact";
import type { MutableRef } from "preact/hooks";
import { useLayoutEffect, useRef } from "preact/hooks";
import { MessageItem, type Pending } from "./MessageItem";
import type { ChatMessage } from "./types";

export function Timeline({
  messages,
  pending,
  hasOlder,
  stick,
  onOlder,
  onBottom,
  item,
}: {
  messages: ChatMessage[];
  pending: Pending[];
  hasOlder: boolean;
  /** Whether the reader is at the bottom (the room view reads it for read positions and sends). */
  stick: MutableRef<boolean>;
  onOlder: () => void;
  onBottom: () => void;
  item: (m: ChatMessage) => ComponentChildren;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const first = useRef<number | null>(null);
  const height = useRef(0);

  useLayoutEffect(() => {
    const el = scroller.current;
    if (!el) return;
    const top = messages[0]?.id ?? null;
    if (first.current !== null && top !== null && top < first.current) el.scrollTop += el.scrollHeight - height.current;
    else if (stick.current) el.scrollTop = el.scrollHeight;
    first.current = top;
    height.current = el.scrollHeight;
  }, [messages, pending]);

  function onScroll() {
    const el = scroller.current!;
    stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    height.current = el.scrollHeight;
    if (el.scrollTop < 80 && hasOlder) onOlder();
    if (stick.current) onBottom();
  }

  return (
    <div class="messages" ref={scroller} onScroll={onScroll} role="log" aria-label="Messages" aria-live="polite">
      {hasOlder && (
        <button class="link older" onClick={onOlder}>
          Load older messages
        </button>
      )}
      {messages.map(item)}
      {pending.map((p) => (
        <MessageItem key={p.client_id} pending={p} mine />
      ))}
    </div>
  );
}
