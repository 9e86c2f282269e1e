// One message: sender, time in the viewer's locale, the quoted message it answers, its text (always
// rendered as text, never as markup), image or file, reactions, and the actions on your own; its
// "(edited)" mark opens the edit history, and those who may pin get a pin button. In the room's
// timeline a message offers "Reply in thread", and a thread root shows "N replies" with my unread
// count in that thread (both open the thread pane).
import { useState } from "preact/hooks";
import { assetUrl } from "./api";
import { Icon } from "./Icon";
import { formatSize, formatTime, fullTime } from "./format";
import type { ChatMessage } from "./types";

export type Pending = {
  client_id: string;
  content_text: string;
  reply_to_id: number | null;
  reply_to: ChatMessage | null;
  thread_id?: number | null;
  also_to_room?: boolean;
};

const QUICK = ["👍", "❤️", "😂", "🎉", "😮", "😢"];

type Props =
  | {
      m: ChatMessage;
      pending?: undefined;
      mine: boolean;
      myReactions: Set<string>;
      readBy?: string[];
      pinned?: boolean;
      /** Shows the pin button (room owner and admins; either person in a direct chat). */
      canPin?: boolean;
      onPin?: (on: boolean) => void;
      onHistory?: () => void;
      /** Opens this message's thread (absent inside the thread pane). */
      onThread?: () => void;
      /** My unread replies in the thread this message roots. */
      threadUnread?: number;
      /** No Reply button without it (inside the thread pane). */
      onReply?: () => void;
      onReact: (emoji: string, on: boolean) => void;
      onEdit: (text: string) => void;
      onDelete: () => void;
    }
  | { pending: Pending; mine: true; m?: undefined };

export function MessageItem(props: Props) {
  const [picking, setPicking] = useState(false);
  const [editing, setEditing] = useState<string | null>(null);

  if (props.pending) {
    const p = props.pending;
    return (
      <article class="msg mine pending" data-client-id={p.client_id} aria-label="Message being sent">
        {p.reply_to && <Quote name={p.reply_to.sender_name} text={p.reply_to.content_text ?? p.reply_to.file_name} />}
        <p class="msg-text">{p.content_text}</p>
        <span class="muted small">Sending…</span>
      </article>
    );
  }
  const { m, mine, myReactions, readBy } = props;
  const image = m.message_type === "image" && m.media_url && !m.media_removed;
  const file = !image && m.media_url && !m.media_removed;
  return (
    <article class={`msg ${mine ? "mine" : ""} ${m.deleted ? "deleted" : ""}`} data-id={m.id} aria-label={`Message from ${m.sender_name}`}>
      <header class="msg-head">
        <strong class="msg-sender">{m.sender_name}</strong>
        <time class="muted small" dateTime={m.sent_at} title={fullTime(m.sent_at)}>
          {formatTime(m.sent_at)}
        </time>
        {m.edited_at && !m.deleted && (
          <button class="link muted small edited" aria-label="Edited: show the edit history" onClick={props.onHistory}>
            (edited)
          </button>
        )}
        {props.pinned && !m.deleted && (
          <span class="muted small pinned" aria-label="Pinned">
            <Icon name="pin" size={14} />
          </span>
        )}
      </header>
      {m.reply_to && <Quote name={m.reply_to.sender_name} text={m.reply_to.deleted ? null : m.reply_to.preview} />}
      {m.deleted ? (
        <p class="msg-text muted">Message deleted</p>
      ) : editing !== null ? (
        <form
          class="edit"
          onSubmit={(e) => {
            e.preventDefault();
            if (editing.trim()) props.onEdit(editing.trim());
            setEditing(null);
          }}
        >
          <label class="sr-only" for={`edit-${m.id}`}>
            Edit message
          </label>
          <textarea id={`edit-${m.id}`} value={editing} onInput={(e) => setEditing(e.currentTarget.value)} onKeyDown={(e) => e.key === "Escape" && setEditing(null)} />
          <button type="submit" class="primary">
            Save
          </button>
          <button type="button" onClick={() => setEditing(null)}>
            Cancel
          </button>
        </form>
      ) : (
        m.content_text && <p class="msg-text">{m.content_text}</p>
      )}
      {image && (
        <a href={assetUrl(m.media_url)!} target="_blank" rel="noopener">
          <img
            class="msg-image"
            src={assetUrl(m.media_url)!}
            alt={m.file_name ?? "image"}
            width={m.width ?? undefined}
            height={m.height ?? undefined}
            loading="lazy"
          />
        </a>
      )}
      {file && (
        <a class="msg-file" href={assetUrl(m.media_url)!} download={m.file_name ?? true}>
          <Icon name="file" /> {m.file_name ?? "file"} <span class="muted small">{formatSize(m.file_size)}</span>
        </a>
      )}
      {m.media_removed && <p class="muted small">The file was removed.</p>}
      {props.onThread && <ThreadLine m={m} unread={props.threadUnread ?? 0} onOpen={props.onThread} />}
      {!m.deleted && (
        <div class="msg-foot">
          {m.reactions.map((r) => {
            const on = myReactions.has(`${m.id} ${r.emoji}`);
            return (
              <button
                key={r.emoji}
                class={`reaction ${on ? "on" : ""}`}
                aria-pressed={on}
                aria-label={`${r.emoji} ${r.count}`}
                onClick={() => props.onReact(r.emoji, !on)}
              >
                {r.emoji} <span class="count">{r.count}</span>
              </button>
            );
          })}
          <span class="msg-actions">
            <button class="icon" aria-label="React" aria-expanded={picking} onClick={() => setPicking(!picking)}>
              <Icon name="smile" />
            </button>
            {props.onReply && (
              <button class="icon" aria-label="Reply" onClick={props.onReply}>
                <Icon name="reply" />
              </button>
            )}
            {props.onThread && (
              <button class="icon" aria-label="Reply in thread" onClick={props.onThread}>
                <Icon name="thread" />
              </button>
            )}
            {props.canPin && (
              <button class="icon" aria-label={props.pinned ? "Unpin" : "Pin"} aria-pressed={!!props.pinned} onClick={() => props.onPin?.(!props.pinned)}>
                <Icon name="pin" />
              </button>
            )}
            {mine && m.message_type === "text" && (
              <button class="icon" aria-label="Edit" onClick={() => setEditing(m.content_text ?? "")}>
                <Icon name="edit" />
              </button>
            )}
            {mine && (
              <button class="icon" aria-label="Delete" onClick={() => confirm("Delete this message for everyone?") && props.onDelete()}>
                <Icon name="trash" />
              </button>
            )}
          </span>
          {picking && (
            <span class="picker" role="group" aria-label="Pick a reaction">
              {QUICK.map((e) => (
                <button
                  key={e}
                  class="icon"
                  aria-label={`React with ${e}`}
                  onClick={() => {
                    setPicking(false);
                    props.onReact(e, !myReactions.has(`${m.id} ${e}`));
                  }}
                >
                  {e}
                </button>
              ))}
            </span>
          )}
        </div>
      )}
      {readBy && readBy.length > 0 && <p class="seen muted small">Seen by {readBy.join(", ")}</p>}
    </article>
  );
}

function Quote({ name, text }: { name: string; text: string | null }) {
  return (
    <blockquote class="quote">
      <strong>{name}</strong> <span>{text ?? "(deleted)"}</span>
    </blockquote>
  );
}

/** Under a thread root: its reply count and my unread there; under a reply also sent to the room: where it belongs. */
function ThreadLine({ m, unread, onOpen }: { m: ChatMessage; unread: number; onOpen: () => void }) {
  if (m.thread_id !== null)
    return (
      <p class="thread-line small">
        <button class="link" onClick={onOpen}>
          Replied in a thread
        </button>
      </p>
    );
  const n = m.thread?.reply_count ?? 0;
  if (!n) return null;
  return (
    <p class="thread-line small">
      <button class="link" onClick={onOpen}>
        <Icon name="thread" size={14} /> {n === 1 ? "1 reply" : `${n} replies`}
      </button>
      {unread > 0 && (
        <span class="badge thread-badge" aria-label={`${unread} unread in this thread`}>
          {unread}
        </span>
      )}
    </p>
  );
}
