// Notification rows written on behalf of the room object, in the batch of its summary write.

/** One mention as the room's summary write hands it over. */
export type Mention = { message_id: number; sender_id: number; sender_name: string; preview: string; names: string[] };

/**
 * One D1 statement for every mention in a batch of messages (the room's summary write): each
 * mentioned user who is an active member of the room, not the sender, and wants mentions.
 * `mentions` is [{message_id, sender_id, sender_name, preview, names}].
 */
const MENTIONS_SQL = `INSERT INTO notifications (user_id, type, title, content, room_id, message_id, actor_id)
  SELECT m.user_id, 'mention',
    json_extract(j.value, '$.sender_name') || CASE WHEN r.kind = 'direct' THEN ' mentioned you' ELSE ' mentioned you in ' || r.name END,
    json_extract(j.value, '$.preview'), r.id, json_extract(j.value, '$.message_id'), s.id
  FROM json_each(?1) j
  JOIN json_each(json_extract(j.value, '$.names')) n
  JOIN rooms r ON r.id = ?2
  JOIN users u ON lower(u.username) = n.value
  JOIN room_members m ON m.room_id = r.id AND m.user_id = u.id AND m.status = 'active'
  -- The sender may have deleted their account since: the actor is then unknown (null), and the
  -- foreign key never fails the room's summary write.
  LEFT JOIN users s ON s.id = json_extract(j.value, '$.sender_id')
  WHERE u.id <> json_extract(j.value, '$.sender_id') AND u.notify_mention = 1
    -- Runs before the summary moves the room's last_message_id: a repeated write notifies nobody twice.
    AND json_extract(j.value, '$.message_id') > r.last_message_id
    AND NOT EXISTS (SELECT 1 FROM blocks b WHERE (b.blocker_id = u.id AND b.blocked_id = json_extract(j.value, '$.sender_id'))
                                           OR (b.blocker_id = json_extract(j.value, '$.sender_id') AND b.blocked_id = u.id))
  -- Who to poke on their own socket (src/realtime).
  RETURNING user_id, message_id`;

/** The mentions of a batch of messages as one statement; RETURNING the notified user ids. */
export const mentionNotifications = (d1: D1Database, roomId: number, mentions: Mention[]) => d1.prepare(MENTIONS_SQL).bind(JSON.stringify(mentions), roomId);
