// LIKE patterns from user input, for D1 and the room objects' SQLite alike.

/** `%q%` with LIKE's wildcards escaped; use with `ESCAPE '\'`. */
export const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (ch) => `\\${ch}`)}%`;
