// How the worker reaches a room's Durable Object: one object per room id, named by the id.
export const roomStub = (env: Env, roomId: number) => env.ROOM.get(env.ROOM.idFromName(`room:${roomId}`));

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
