// A room's pending join requests, for its owner and admins: approve or reject each.
import { api, type JoinRequest } from "./api";

export function JoinRequests({ requests, onDone, onError }: { requests: JoinRequest[]; onDone: (id: number) => void; onError: (message: string) => void }) {
  if (!requests.length) return null;
  return (
    <div class="requests" aria-label="Join requests">
      {requests.map((r) => (
        <p key={r.id}>
          <strong>{r.applicant_name ?? `user ${r.applicant_id}`}</strong> asks to join{" "}
          {(["approved", "rejected"] as const).map((s) => (
            <button
              key={s}
              onClick={() => api.processJoinRequest(r.id, s).then(() => onDone(r.id), (e) => onError(e.message))}
            >
              {s === "approved" ? "Approve" : "Reject"}
            </button>
          ))}
        </p>
      ))}
    </div>
  );
}
