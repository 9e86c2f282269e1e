// Access tokens: HS256 JWTs signed with the JWT_SECRET secret. sub = user id, sid = the session
// the token belongs to (auth/sessions.ts), exp required, ver = the user's token version (bumped on
// password change, revoking older tokens).
import { SignJWT, jwtVerify } from "jose";

/** The token key; a missing secret is an error, never an empty key (the worker answers 503 before this). */
const key = (secret: string | undefined) => {
  if (typeof secret !== "string" || !secret) throw new Error("JWT_SECRET is missing: refusing to sign or verify a token");
  return new TextEncoder().encode(secret);
};

export type Claims = { userId: number; ver: number; sid: string; exp: number };

/** A signed access token for a session, valid until `exp` (unix seconds). */
export async function signAccessToken(env: Env, c: Claims): Promise<string> {
  return new SignJWT({ ver: c.ver, sid: c.sid })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(c.userId))
    .setIssuedAt()
    .setExpirationTime(c.exp)
    .sign(key(env.JWT_SECRET));
}

/** The claims, or null for any invalid token (bad signature, expired, malformed, no session id). */
export async function readToken(env: Env, token: string): Promise<Claims | null> {
  const k = key(env.JWT_SECRET);
  try {
    const { payload } = await jwtVerify(token, k, { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0) return null;
    // Tokens from before sessions existed name none: they are not accepted.
    if (typeof payload.sid !== "string" || !payload.sid) return null;
    return { userId, ver: typeof payload.ver === "number" ? payload.ver : 0, sid: payload.sid, exp: payload.exp! };
  } catch {
    return null;
  }
}
