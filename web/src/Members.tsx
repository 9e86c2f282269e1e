// A room's member list, opened from the room's header: who is in it, and for the owner and room
// admins a Remove button on each member they may remove (the server decides; a refusal shows its
// text). The removed member's app hears of it from the room's closing frame (RoomView).
import { useState } from "preact/hooks";
import { api, ApiError } from "./api";
import type { Member, Room } from "./types";

const nameOf = (m: Member) => m.member_display_name || m.member_name || `user ${m.member_id}`;

/** Whom `role` may remove: the owner anyone but the owner, a room admin plain members. */
const mayRemove = (role: Room["my_role"], m: Member) => m.role !== "owner" && (role === "owner" || (role === "admin" && m.role === "member"));

export function Members({ roomId, role, meId }: { roomId: number; role: Room["my_role"]; meId: number }) {
  const [list, setList] = useState<Member[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const say = (e: unknown) => setError(e instanceof ApiError ? e.message : "That did not work.");

  const toggle = () => {
    if (list) return setList(null);
    setError(null);
    api.members(roomId).then(setList, say);
  };
  const remove = (m: Member) =>
    api.removeMember(roomId, m.member_id).then(() => setList((l) => l && l.filter((x) => x.member_id !== m.member_id)), say);

  return (
    <div class="members-wrap">
      <button onClick={toggle} aria-expanded={!!list}>
        Members
      </button>
      {(list || error) && (
        <div class="members" role="dialog" aria-label="Members">
          {error && (
            <p class="error small" role="alert">
              {error}
            </p>
          )}
          <ul>
            {list?.map((m) => (
              <li key={m.member_id}>
                <span class="grow">
                  {nameOf(m)}
                  {m.role !== "member" && <span class="muted small"> · {m.role}</span>}
                </span>
                {m.member_id !== meId && mayRemove(role, m) && (
                  <button class="link" onClick={() => remove(m)} aria-label={`Remove ${nameOf(m)}`}>
                    Remove
                  </button>
                )}
              </li>
            ))}
          </ul>
        </div>
      )}
    </div>
  );
}
