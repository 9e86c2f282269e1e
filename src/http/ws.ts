// WebSocket helpers shared by the Durable Objects that own sockets (rooms, user hubs).

/** A ping the runtime answers itself (setWebSocketAutoResponse), without waking a hibernating object. */
export const autoPong = () => new WebSocketRequestResponsePair('{"type":"ping"}', '{"type":"pong"}');

/** Sends, unless the socket is closing or gone: its close handler does the bookkeeping. */
export function trySend(ws: WebSocket, text: string) {
  try {
    ws.send(text);
  } catch {}
}

export function safeClose(ws: WebSocket, code: number, reason: string) {
  try {
    ws.close(code, reason);
  } catch {}
}

/** Completes a close the client started, with its code (the reserved ones, which cannot be sent, as 1000). */
export const closeBack = (ws: WebSocket, code: number, reason: string) =>
  safeClose(ws, code === 1005 || code === 1006 || code === 1015 ? 1000 : code, reason);
