// The room's pin list: read over REST on every (re)connect (pin frames are live only), then kept by
// the message_pinned / message_unpinned frames and the pinned messages' edits and deletions.
import { useState } from "preact/hooks";
import { api } from "./api";
import type { RoomFrame } from "./realtime";
import type { Pin } from "./types";

export function usePins(roomId: number) {
  const [pins, setPins] = useState<Pin[]>([]);
  const add = (p: Pin) => setPins((list) => [p, ...list.filter((x) => x.message.id !== p.message.id)]);
  const drop = (id: number) => setPins((list) => (list.some((x) => x.message.id === id) ? list.filter((x) => x.message.id !== id) : list));

  function onFrame(f: RoomFrame) {
    if (f.type === "connection_established") api.pins(roomId).then(setPins, () => {});
    else if (f.type === "message_pinned") add(f.pin);
    else if (f.type === "message_unpinned" || f.type === "message_deleted") drop(f.type === "message_unpinned" ? f.message_id : f.message.id);
    else if (f.type === "message_updated") setPins((list) => list.map((p) => (p.message.id === f.message.id ? { ...p, message: f.message } : p)));
  }

  async function setPinned(id: number, on: boolean) {
    if (on) add(await api.pin(roomId, id));
    else {
      await api.unpin(roomId, id);
      drop(id);
    }
  }

  return { pins, onFrame, setPinned, ids: new Set(pins.map((p) => p.message.id)) };
}
