// Access tokens: HS256 JWTs signed with the JWT_SECRET secret; sub = user id, exp required,
// "ver" = the user's token version (bumped on password change, revoking older tokens).
import { SignJWT, jwtVerify } from "jose";

/** The token key; a missing secret is an error, never an empty key (the worker answers 503 before this). */
const key = (secret: string | undefined) => {
  if (typeof secret !== "string" || !secret) throw new Error("JWT_SECRET is missing: refusing to sign or verify a token");
  return new TextEncoder().encode(secret);
};

export async function issueToken(env: Env, user: { id: number; tokenVersion: number }) {
  const ttl = Number(env.JWT_TTL_SECONDS) || 86_400;
  const token = await new SignJWT({ ver: user.tokenVersion })
    .setProtectedHeader({ alg: "HS256", typ: "JWT" })
    .setSubject(String(user.id))
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + ttl)
    .sign(key(env.JWT_SECRET));
  return { access_token: token, token_type: "bearer" as const, expires_in: ttl };
}

/** Returns the user id and token version, or null for any invalid token (bad signature, expired, malformed). */
export async function readToken(env: Env, token: string): Promise<{ userId: number; ver: number } | null> {
  try {
    const { payload } = await jwtVerify(token, key(env.JWT_SECRET), { algorithms: ["HS256"], requiredClaims: ["exp", "sub"] });
    const userId = Number(payload.sub);
    if (!Number.isSafeInteger(userId) || userId <= 0) return null;
    return { userId, ver: typeof payload.ver === "number" ? payload.ver : 0 };
  } catch {
    return null;
  }
}
