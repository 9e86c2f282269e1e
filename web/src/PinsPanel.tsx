// The room's pinned messages, newest pin first, with who pinned each and when; those who may pin
// (the owner and admins, either person in a direct chat) can unpin from here. RoomView keeps the
// list: loaded over REST on each (re)connect, then kept by the message_pinned / message_unpinned frames.
import { formatTime, fullTime } from "./format";
import type { Pin } from "./types";

export function PinsPanel({ pins, canPin, onUnpin, onClose }: { pins: Pin[]; canPin: boolean; onUnpin: (messageId: number) => void; onClose: () => void }) {
  return (
    <aside class="pins" aria-label="Pinned messages">
      <header class="pins-head">
        <strong class="grow">Pinned messages</strong>
        <button class="icon" aria-label="Close pinned messages" onClick={onClose}>
          ✕
        </button>
      </header>
      {pins.length === 0 && <p class="muted small">Nothing is pinned yet.</p>}
      <ul>
        {pins.map((p) => (
          <li key={p.message.id} data-id={p.message.id}>
            <p class="pin-text">
              <strong>{p.message.sender_name}</strong> {p.message.content_text ?? p.message.file_name ?? ""}
            </p>
            <p class="muted small">
              Pinned by {p.pinned_by.username}{" "}
              <time dateTime={p.pinned_at} title={fullTime(p.pinned_at)}>
                {formatTime(p.pinned_at)}
              </time>
              {canPin && (
                <button class="link" aria-label={`Unpin message from ${p.message.sender_name}`} onClick={() => onUnpin(p.message.id)}>
                  Unpin
                </button>
              )}
            </p>
          </li>
        ))}
      </ul>
    </aside>
  );
}
