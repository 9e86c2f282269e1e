// Wire shapes: the room's frames as a socket of a reference document expects them. A socket's
// shape is in its attachment (SocketInfo.shape; none = canonical). The fan-out renders each frame
// once per shape in use, never once per socket (fanout.ts). The shapes themselves live with their
// dialects, which register them at module load (the worker entry imports them, and the room
// objects run in the same isolate); the room imports no dialect.
import type { Code } from "../http/codes";
import type { ServerFrame } from "./protocol";

/**
 * The shapes there are, by name: each dialect adds its own to this interface (declaration
 * merging), so a name nobody registers does not type-check.
 */
export interface WireShapes {}
export type WireShape = keyof WireShapes & string;

export type Shape = {
  /** The frame as this shape shows it, or null when it has no such frame. */
  render: (frame: ServerFrame, roomId: number) => object | null;
  /** A client frame of this shape as a canonical one; `ignore`: accepted, no effect. */
  read: (raw: unknown, roomId: number) => { frame: unknown } | { ignore: true } | { error: string; code: Code };
};

const registry = new Map<string, Shape>();

export function registerShape(name: WireShape, shape: Shape) {
  registry.set(name, shape);
}

export function shapeOf(name: WireShape): Shape {
  const shape = registry.get(name);
  if (!shape) throw new Error(`wire shape ${name} is not registered (its dialect was not loaded)`);
  return shape;
}

/** The serialized frame for a shape (null: not sent to it). */
export function renderText(shape: WireShape, frame: ServerFrame, roomId: number): string | null {
  const out = shapeOf(shape).render(frame, roomId);
  return out ? JSON.stringify(out) : null;
}
