// The message composer: text (Enter sends), a file button, the reply being written, and typing
// frames at most every 3 s. The thread pane has one too: its own label, no file button, and its
// "Also send to room" box as children.
import type { ComponentChildren } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { Icon } from "./Icon";
import type { ChatMessage } from "./types";

export function Composer({
  replyTo,
  onCancelReply,
  onSend,
  onTyping,
  onFile,
  id = "composer-text",
  label = "Message",
  placeholder = "Write a message (Enter sends, Shift+Enter for a new line)",
  autoFocus = false,
  children,
}: {
  replyTo: ChatMessage | null;
  onCancelReply: () => void;
  onSend: (text: string) => void;
  onTyping: (on: boolean) => void;
  /** No file button without it. */
  onFile?: (f: File) => void;
  id?: string;
  label?: string;
  placeholder?: string;
  autoFocus?: boolean;
  children?: ComponentChildren;
}) {
  const [text, setText] = useState("");
  const typingSent = useRef(0);
  const input = useRef<HTMLTextAreaElement>(null);
  useEffect(() => {
    if (replyTo || autoFocus) input.current?.focus();
  }, [replyTo]);

  function submit() {
    const body = text.trim();
    if (!body) return;
    onSend(body);
    setText("");
    typingSent.current = 0;
    onTyping(false);
  }
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {replyTo && (
        <div class="replying">
          <span class="grow">
            Replying to <strong>{replyTo.sender_name}</strong>: <span class="muted">{(replyTo.content_text ?? replyTo.file_name ?? "").slice(0, 80)}</span>
          </span>
          <button type="button" class="icon" aria-label="Cancel reply" onClick={onCancelReply}>
            ✕
          </button>
        </div>
      )}
      <div class="composer-row">
        {onFile && <label class="file-button icon" title="Attach an image or file">
          <Icon name="clip" size={22} />
          <span class="sr-only">Attach a file</span>
          <input
            type="file"
            onChange={(e) => {
              const f = e.currentTarget.files?.[0];
              e.currentTarget.value = "";
              if (f) onFile(f);
            }}
          />
        </label>}
        <label class="sr-only" for={id}>
          {label}
        </label>
        <textarea
          id={id}
          ref={input}
          rows={1}
          maxLength={4000}
          placeholder={placeholder}
          value={text}
          onInput={(e) => {
            const v = e.currentTarget.value;
            setText(v);
            // At most one "typing" frame every 3 s while typing; the room expires it after 5 s.
            if (v && Date.now() - typingSent.current > 3000) {
              typingSent.current = Date.now();
              onTyping(true);
            } else if (!v && typingSent.current) {
              typingSent.current = 0;
              onTyping(false);
            }
          }}
          onKeyDown={(e) => {
            if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
        <button type="submit" class="primary">
          Send
        </button>
      </div>
      {children}
    </form>
  );
}
