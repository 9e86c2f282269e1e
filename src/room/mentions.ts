// What in a message is a mention: `@name`, and the mass forms `@here` (members online now) and
// `@all` (every member). The room refuses a mass form from a sender the worker did not allow
// (message-log.ts), and reads them all at its summary write (room/summary.ts), where @names
// become notifications (notifications/queries.ts) and every form a mention row (mentions/queries.ts).

const MENTION = /(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g;

/** The usernames a message mentions (`@name`), lower-cased, at most 20; the mass forms are not names. */
export function mentionsIn(text: string | null): string[] {
  if (!text || !text.includes("@")) return [];
  const names = new Set<string>();
  for (const m of text.matchAll(MENTION)) {
    // "@bob." at the end of a sentence is bob, unless a user is really called "bob.": ask for both.
    const name = m[1].toLowerCase();
    names.add(name);
    names.add(name.replace(/[.-]+$/, ""));
    if (names.size >= 22) break;
  }
  return [...names].filter((n) => n.length >= 3 && !MASS.has(n)).slice(0, 20);
}

const MASS = new Map<string, MassMention>([
  ["all", "all"],
  ["here", "here"],
]);
export type MassMention = "all" | "here";

/** The mass form a message uses, if any (`@all` wins over `@here`: it reaches everyone they would). */
export function massMentionIn(text: string | null): MassMention | null {
  if (!text || !text.includes("@")) return null;
  let found: MassMention | null = null;
  for (const m of text.matchAll(MENTION)) {
    const kind = MASS.get(m[1].toLowerCase().replace(/[.-]+$/, ""));
    if (kind === "all") return "all";
    found ??= kind ?? null;
  }
  return found;
}
