// A message's edit history, opened from its "(edited)" mark: every version oldest first with when
// it was written, the current one last (GET /chat-rooms/{id}/messages/{mid}/edits).
import { useEffect, useState } from "preact/hooks";
import { api, ApiError } from "./api";
import { formatTime, fullTime } from "./format";
import type { MessageVersion } from "./types";

export function EditHistory({ roomId, messageId, onClose }: { roomId: number; messageId: number; onClose: () => void }) {
  const [versions, setVersions] = useState<MessageVersion[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.versions(roomId, messageId).then(
      (v) => live && setVersions(v),
      (e) => live && setError(e instanceof ApiError ? e.message : "The history could not be loaded."),
    );
    return () => void (live = false);
  }, [roomId, messageId]);
  return (
    <div class="history" role="dialog" aria-label="Edit history" onKeyDown={(e) => e.key === "Escape" && onClose()}>
      <header class="pins-head">
        <strong class="grow">Edit history</strong>
        <button class="icon" aria-label="Close edit history" onClick={onClose}>
          ✕
        </button>
      </header>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {!versions && !error && <p class="muted small">Loading…</p>}
      <ol>
        {versions?.map((v) => (
          <li key={v.version} class={v.current ? "current" : ""}>
            <p class="version-text">{v.content_text ?? ""}</p>
            <p class="muted small">
              {v.version === 1 ? "Sent" : "Edited"}{" "}
              <time dateTime={v.at} title={fullTime(v.at)}>
                {formatTime(v.at)}
              </time>
              {v.current && " · current"}
            </p>
          </li>
        ))}
      </ol>
    </div>
  );
}
