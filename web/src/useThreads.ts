// The room's threads as this reader sees them: the list (GET /threads, newest activity first) with
// my unread count in each. The server alone decides what a reply counts for (reply_count, unread),
// so the list is read again on every (re)connect and shortly after any thread reply arrives,
// rather than counted here; the room view takes each root's summary from it.
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { api } from "./api";
import type { ThreadItem } from "./types";

export function useThreads(roomId: number, onList: (list: ThreadItem[]) => void, onRead: () => void) {
  const [threads, setThreads] = useState<ThreadItem[]>([]);
  const timer = useRef<number>();
  const live = useRef(true);

  const load = () =>
    api.threads(roomId).then((list) => {
      if (!live.current) return;
      setThreads(list);
      onList(list);
    }, () => {});
  /** Coalesces a burst of replies into one read of the list. */
  const refresh = () => {
    clearTimeout(timer.current);
    timer.current = window.setTimeout(load, 150);
  };
  useEffect(() => {
    live.current = true;
    return () => {
      live.current = false;
      clearTimeout(timer.current);
    };
  }, [roomId]);

  /** Marks a thread read on the server; its badge goes at once, the list is read again after. */
  async function read(rootId: number) {
    setThreads((list) => list.map((t) => (t.root.id === rootId ? { ...t, unread_count: 0 } : t)));
    await api.readThread(roomId, rootId).catch(() => {});
    refresh();
    onRead();
  }

  async function follow(rootId: number, on: boolean) {
    setThreads((list) => list.map((t) => (t.root.id === rootId ? { ...t, following: on } : t)));
    await api.followThread(roomId, rootId, on).catch(() => {});
    refresh();
  }

  const unread = useMemo(() => new Map(threads.map((t) => [t.root.id, t.unread_count])), [threads]);
  const unreadTotal = threads.reduce((n, t) => n + t.unread_count, 0);
  return { threads, unread, unreadTotal, refresh, read, follow };
}
