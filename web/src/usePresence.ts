// Who is in the room with me: online now (connection_established, then join/leave frames), who
// is typing (set by typing frames, cleared by their stop frame or the typist's message, expired on
// its own if the stop frame never comes: the typist's tab closed) and where each person has read
// to ("Seen by"). The reactions I made are kept here too: "messageId emoji" pairs.
import { useEffect, useState } from "preact/hooks";
import type { RoomFrame } from "./realtime";
import type { ChatMessage, UserRef } from "./types";

const nameOf = (u: UserRef) => u.display_name || u.username;

export function usePresence(roomId: number, meId: number) {
  const [online, setOnline] = useState<UserRef[]>([]);
  const [typing, setTyping] = useState<Map<number, { name: string; until: number }>>(new Map());
  const [reads, setReads] = useState<Map<number, { name: string; id: number }>>(new Map());
  const [mine, setMine] = useState<Set<string>>(new Set());
  useEffect(() => {
    const sweep = window.setInterval(
      () =>
        setTyping((t) => {
          const now = Date.now();
          return [...t.values()].some((x) => x.until < now) ? new Map([...t].filter(([, x]) => x.until >= now)) : t;
        }),
      1000,
    );
    return () => clearInterval(sweep);
  }, [roomId]);

  const setTypist = (user: UserRef, on: boolean) => {
    if (user.id === meId) return;
    setTyping((t) => {
      if (!on && !t.has(user.id)) return t;
      const next = new Map(t);
      if (on) next.set(user.id, { name: nameOf(user), until: Date.now() + 6000 });
      else next.delete(user.id);
      return next;
    });
  };

  /** My reactions on messages read over REST (their `me` flags). */
  function noteMine(list: ChatMessage[]) {
    const pairs = list.flatMap((m) => m.reactions.filter((r) => r.me).map((r) => `${m.id} ${r.emoji}`));
    if (pairs.length) setMine((s) => new Set([...s, ...pairs]));
  }

  function onFrame(f: RoomFrame) {
    switch (f.type) {
      case "connection_established":
        return setOnline(f.online);
      case "chat_message":
        return setTypist({ id: f.message.sender_id, username: f.message.sender_name }, false);
      case "typing":
        return setTypist(f.user, f.is_typing);
      case "user_join":
        return setOnline((o) => (o.some((u) => u.id === f.user.id) ? o : [...o, f.user]));
      case "user_leave":
        return setOnline((o) => o.filter((u) => u.id !== f.user.id));
      case "read":
        if (f.user.id !== meId) setReads((r) => new Map(r).set(f.user.id, { name: nameOf(f.user), id: f.message_id }));
        return;
      case "reaction":
        if (f.user.id === meId)
          setMine((s) => {
            const next = new Set(s);
            if (f.action === "add") next.add(`${f.message_id} ${f.emoji}`);
            else next.delete(`${f.message_id} ${f.emoji}`);
            return next;
          });
        return;
    }
  }

  const typists = [...typing.values()].map((t) => t.name);
  const typingLine = typists.length === 1 ? `${typists[0]} is typing…` : typists.length > 1 ? `${typists.join(", ")} are typing…` : "";
  const readers = new Map<number, string[]>();
  for (const r of reads.values()) readers.set(r.id, [...(readers.get(r.id) ?? []), r.name]);
  return { online, typingLine, readers, mine, noteMine, onFrame };
}
