// The room's threads behind the "Threads" button of the room header: newest activity first, each
// root with its reply count, when it was last answered and my unread count there; a click opens
// the thread pane. The list itself is useThreads' (read from the server, never counted here).
import { formatTime, fullTime } from "./format";
import type { ThreadItem } from "./types";

export function ThreadsPanel({ threads, onOpen, onClose }: { threads: ThreadItem[]; onOpen: (rootId: number) => void; onClose: () => void }) {
  return (
    <aside class="pins threads" aria-label="Threads">
      <header class="pins-head">
        <strong class="grow">Threads</strong>
        <button class="icon" aria-label="Close threads" onClick={onClose}>
          ✕
        </button>
      </header>
      {threads.length === 0 && <p class="muted small">No threads yet: "Reply in thread" on a message starts one.</p>}
      <ul>
        {threads.map((t) => {
          const s = t.root.thread;
          return (
            <li key={t.root.id} data-id={t.root.id}>
              <button class="note thread-row" onClick={() => onOpen(t.root.id)} aria-label={`Thread: ${t.root.sender_name}: ${t.root.content_text ?? t.root.file_name ?? ""}`}>
                <span class="pin-text grow">
                  <strong>{t.root.sender_name}</strong> {t.root.deleted ? "(deleted)" : (t.root.content_text ?? t.root.file_name ?? "")}
                </span>
                <span class="muted small">
                  {s?.reply_count === 1 ? "1 reply" : `${s?.reply_count ?? 0} replies`}
                  {s?.last_reply_at && (
                    <>
                      {" · "}
                      <time dateTime={s.last_reply_at} title={fullTime(s.last_reply_at)}>
                        {formatTime(s.last_reply_at)}
                      </time>
                    </>
                  )}
                </span>
              </button>
              {t.unread_count > 0 && (
                <span class="badge thread-badge" aria-label={`${t.unread_count} unread in this thread`}>
                  {t.unread_count}
                </span>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
