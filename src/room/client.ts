// How the worker reaches a room's Durable Object: one object per room id, named by the id.
import { pickRelay, placementOf, relayName } from "./relay/placement";

export const roomStub = (env: Env, roomId: number) => env.ROOM.get(env.ROOM.idFromName(`room:${roomId}`));

/**
 * A room socket's upgrade: to the room object, which holds it unless it is a giant room; then to
 * the relay the room's placement picks for this user (relay/placement.ts). Small rooms: one hop.
 */
export async function openRoomSocket(env: Env, roomId: number, userId: number, init: RequestInit): Promise<Response> {
  const url = "https://room.internal/ws";
  const res = await roomStub(env, roomId).fetch(url, init);
  const placement = placementOf(res);
  if (!placement) return res;
  const index = pickRelay(roomId, userId, placement);
  return env.RELAY.get(env.RELAY.idFromName(relayName(roomId, index))).fetch(url, init);
}

/**
 * The room id an object was named for, read back inside the object (`ctx.id.name`, which the
 * runtime fills for idFromName ids on every entry: calls, socket events after hibernation,
 * alarms). 0 for an object named otherwise.
 */
export const roomIdOf = (id: DurableObjectId): number => Number(/^room:(\d+)$/.exec(id.name ?? "")?.[1] ?? 0);

/**
 * Calls into room objects that follow a D1 change already committed (kick, destroy) get one retry:
 * a transient failure there would leave sockets open that D1 no longer allows.
 */
export async function retryOnce<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    console.warn("room object call failed, retrying once", err);
    return call();
  }
}
