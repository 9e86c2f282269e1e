// Personal data (e-mail, phone): shown only to the account's owner and to system admins; every
// other viewer gets null. Every response that carries such a field goes through contactFor, so the
// rule lives here once (docs/security.md, "Personal data").

/** Who is looking: the authenticated caller. */
export type Viewer = { id: number; isAdmin: boolean };

export const maySee = (viewer: Viewer, ownerId: number) => viewer.id === ownerId || viewer.isAdmin;

/** The owner's contact fields as `viewer` may see them. */
export function contactFor(viewer: Viewer, ownerId: number, contact: { email: string | null; phone?: string | null }) {
  const ok = maySee(viewer, ownerId);
  return { email: ok ? contact.email : null, phone: ok ? (contact.phone ?? null) : null };
}
