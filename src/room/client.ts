// How the worker reaches a room's Durable Object: one object per room id, named by the id.
export const roomStub = (env: Env, roomId: number) => env.ROOM.get(env.ROOM.idFromName(`room:${roomId}`));
