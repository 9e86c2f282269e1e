// Who is typing in the room: set by typing frames, cleared by their stop frame or the typist's
// message, and expired on its own if the stop frame never comes (the typist's tab closed).
import { useEffect, useState } from "preact/hooks";
import type { UserRef } from "./types";

const nameOf = (u: UserRef) => u.display_name || u.username;

export function useTyping(roomId: number, meId: number) {
  const [typing, setTyping] = useState<Map<number, { name: string; until: number }>>(new Map());
  useEffect(() => {
    setTyping(new Map());
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

  const set = (user: UserRef, on: boolean) => {
    if (user.id === meId) return;
    setTyping((t) => {
      if (!on && !t.has(user.id)) return t;
      const next = new Map(t);
      if (on) next.set(user.id, { name: nameOf(user), until: Date.now() + 6000 });
      else next.delete(user.id);
      return next;
    });
  };
  const typists = [...typing.values()].map((t) => t.name);
  const line = typists.length === 1 ? `${typists[0]} is typing…` : typists.length > 1 ? `${typists.join(", ")} are typing…` : "";
  return { set, line };
}
