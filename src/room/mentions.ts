// What in a message is a mention. The room reads them at its summary write (room/summary.ts),
// where they become notifications (notifications/queries.ts).

/** The usernames a message mentions (`@name`), lower-cased, at most 20. */
export function mentionsIn(text: string | null): string[] {
  if (!text || !text.includes("@")) return [];
  const names = new Set<string>();
  for (const m of text.matchAll(/(?:^|[^A-Za-z0-9_.@-])@([A-Za-z0-9_.-]{3,32})/g)) {
    // "@bob." at the end of a sentence is bob, unless a user is really called "bob.": ask for both.
    const name = m[1].toLowerCase();
    names.add(name);
    names.add(name.replace(/[.-]+$/, ""));
    if (names.size >= 20) break;
  }
  return [...names].filter((n) => n.length >= 3).slice(0, 20);
}
