// Wire shapes: the room's frames as a socket of a reference document expects them. A socket's
// shape is in its attachment (SocketInfo.shape; none = canonical). The fan-out renders each frame
// once per shape in use, never once per socket (fanout.ts).
import { read001, render001 } from "../dialects/doc001-django-chat/socket";
import type { Code } from "../http/codes";
import type { ServerFrame } from "./protocol";

export type WireShape = "001";

type Shape = {
  /** The frame as this shape shows it, or null when it has no such frame. */
  render: (frame: ServerFrame, roomId: number) => object | null;
  /** A client frame of this shape as a canonical one; `ignore`: accepted, no effect. */
  read: (raw: unknown, roomId: number) => { frame: unknown } | { ignore: true } | { error: string; code: Code };
};

export const SHAPES: Record<WireShape, Shape> = { "001": { render: render001, read: read001 } };

/** The serialized frame for a shape (null: not sent to it). */
export function renderText(shape: WireShape, frame: ServerFrame, roomId: number): string | null {
  const out = SHAPES[shape].render(frame, roomId);
  return out ? JSON.stringify(out) : null;
}
