// Display helpers: times in the viewer's own locale and time zone, sizes, initials.
const time = new Intl.DateTimeFormat(undefined, { hour: "numeric", minute: "2-digit" });
const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "short" });

export function formatTime(iso: string) {
  const d = new Date(iso);
  return new Date().toDateString() === d.toDateString() ? time.format(d) : dateTime.format(d);
}
export const fullTime = (iso: string) => dateTime.format(new Date(iso));

export function formatSize(bytes: number | null) {
  if (bytes === null) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export const initials = (name: string) =>
  name
    .split(/[\s._-]+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0]!.toUpperCase())
    .join("") || "?";

export const newClientId = () => crypto.randomUUID();
