// The room object's parts, built once per instance and wired to each other (room.ts delegates to
// them). Kept apart from the class so the class is only its RPC surface; the order matters:
// storage migrates before any other part prepares its statements.
import { autoPong } from "../http/ws";
import { Alarm } from "./alarm";
import { Connections } from "./connection";
import { EditHistory } from "./edits";
import { Fanout } from "./fanout";
import { Flags } from "./flags";
import { Frames } from "./frames";
import { HistoryReader } from "./history";
import { MessageLog } from "./message-log";
import { Pins } from "./pins";
import { RateLimiter } from "./rate-limit";
import { Reactions } from "./reactions";
import { markRead } from "./reads";
import { RelayLink } from "./relay/link";
import { Renderer } from "./render";
import { Retention } from "./retention";
import { SearchIndex } from "./search-index";
import { Sockets } from "./sockets";
import { RoomStorage } from "./storage";
import { Summary } from "./summary";
import { Threads } from "./threads";
import { Typing } from "./typing";

export type RoomParts = {
  ctx: DurableObjectState;
  env: Env;
  s: RoomStorage;
  sockets: Sockets;
  fanout: Fanout;
  flags: Flags;
  typists: Typing;
  summary: Summary;
  retention: Retention;
  index: SearchIndex;
  history: HistoryReader;
  log: MessageLog;
  reactions: Reactions;
  edits: EditHistory;
  pins: Pins;
  threads: Threads;
  connections: Connections;
  frames: Frames;
  alarm: Alarm;
  render: Renderer;
  link: RelayLink;
};

export function roomParts(ctx: DurableObjectState, env: Env): RoomParts {
  const p = { ctx, env } as RoomParts;
  // Storage first: it migrates before any other module prepares its statements.
  const s = (p.s = new RoomStorage(ctx));
  const render = (p.render = new Renderer(s, env));
  p.sockets = new Sockets(ctx);
  const link = (p.link = new RelayLink(env, s));
  p.fanout = new Fanout(p.sockets, () => s.roomId, (text, except) => link.publish(text, except));
  // Messages, edits, deletions and reactions per sender (the configured rate).
  const limiter = new RateLimiter(Number(env.RATE_LIMIT_PER_SECOND) || 10, Number(env.RATE_LIMIT_BURST) || 20);
  p.alarm = new Alarm(ctx, s, () => ({ connections: p.connections, typing: p.typists, summary: p.summary, retention: p.retention, index: p.index }));
  const reschedule = () => p.alarm.reschedule();
  p.flags = new Flags(s, (on) => {
    if (on) p.typists.stopAll();
    p.fanout.flush();
  });
  p.typists = new Typing(s, p.fanout, p.flags, reschedule, () => link.relays > 0, () => p.summary.schedule());
  const threads = (p.threads = new Threads(s, render));
  p.summary = new Summary(ctx, env, s, render, p.sockets, threads, reschedule, () => link.users(), (online) => {
    // A giant room says who is online and typing once a second at most, when that changed, not
    // per join, leave and typist.
    if (!link.relays) return;
    const typing = p.typists.who(3);
    const frame = { type: "presence" as const, online, typing: typing.users, typing_count: typing.count };
    const said = JSON.stringify(frame);
    if (s.get("presence_sent") === said) return;
    s.set("presence_sent", said);
    p.fanout.broadcast(frame);
  });
  p.retention = new Retention(env, s);
  p.index = new SearchIndex(ctx, s, render);
  p.history = new HistoryReader(s, render);
  p.edits = new EditHistory(s);
  p.pins = new Pins(s, render, p.fanout, p.flags, limiter);
  p.log = new MessageLog(s, render, p.fanout, p.flags, p.typists, p.summary, limiter, { edits: p.edits, pins: p.pins }, p.threads);
  p.reactions = new Reactions(s, render, p.fanout, p.flags, limiter);
  p.connections = new Connections(ctx, s, p.sockets, p.fanout, p.typists, p.summary, () => link.relays > 0);
  p.frames = new Frames({ s, fanout: p.fanout, connections: p.connections, log: p.log, reactions: p.reactions, typing: p.typists, markRead: (a, upTo) => markRead(env, s, p.fanout, a, upTo), limiter });
  // Answered by the runtime without waking a hibernating object.
  ctx.setWebSocketAutoResponse(autoPong());
  return p;
}
