// The connection state, always visible: nothing when all is well, a pill otherwise.
import type { ConnState } from "./realtime";

const TEXT: Record<ConnState, string> = {
  connecting: "Connecting…",
  open: "Connected",
  reconnecting: "Reconnecting…",
  offline: "Offline",
  closed: "Disconnected",
};

export function ConnectionBadge({ state, label }: { state: ConnState; label: string }) {
  return (
    <span class={`conn conn-${state}`} role="status" aria-label={`${label}: ${TEXT[state]}`} data-state={state}>
      {TEXT[state]}
    </span>
  );
}
