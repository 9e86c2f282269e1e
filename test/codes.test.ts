// The error catalog (src/http/codes.ts) holds at type-check time: `npm run typecheck` compiles this
// file, and each @ts-expect-error below fails it if the checker stops refusing that line. The
// runtime tests check what the types cannot: that the statuses are real error statuses.
import { describe, expect, it } from "vitest";
import { CORE_CODES, type CodeMap } from "../src/dialects/doc004-django-im/codes";
import { CODES, type Code } from "../src/http/codes";
import { ApiError, apiError, badRequest, forbidden, notFound } from "../src/http/errors";
import { refuse } from "../src/room/protocol";

describe("the error catalog", () => {
  it("gives every code error statuses (none for the codes that keep whatever status they carried)", () => {
    for (const [code, status] of Object.entries(CODES)) {
      const statuses: readonly number[] = typeof status === "number" ? [status] : status;
      for (const s of statuses) expect(s >= 400 && s < 600, `${code}: ${s}`).toBe(true);
    }
  });

  it("reads a single status from the catalog", () => {
    const e = apiError("room_not_found", "Room not found");
    expect([e.status, e.code, e.detail]).toEqual([404, "room_not_found", "Room not found"]);
    expect(e).toBeInstanceOf(ApiError);
  });

  it("is read in full by document 004", () => {
    expect(Object.keys(CORE_CODES).sort()).toEqual(Object.keys(CODES).sort());
  });

  it("is enforced by the type checker", () => {
    // @ts-expect-error: no such code
    new ApiError(404, "no_such_code", "x");
    // @ts-expect-error: a known code with a status the catalog does not list for it
    new ApiError(400, "room_not_found", "x");
    // @ts-expect-error: badRequest is a 400; room_not_found is a 404
    badRequest("room_not_found", "x");
    // @ts-expect-error: forbidden is a 403; room_full is a 409
    forbidden("x", "room_full");
    // @ts-expect-error: not_a_member has two statuses, so the call site must name one
    apiError("not_a_member", "x");
    // @ts-expect-error: the room object's refusals use the catalog too
    refuse(400, "not_a_member", "x");
    // @ts-expect-error: a dialect's map names only codes of the catalog
    const map: CodeMap = { no_such_code: 3 };
    // @ts-expect-error: codes compare only with codes of the catalog
    const typo = (e: ApiError) => e.code === "not_a_membr";
    // The statuses the catalog lists are accepted.
    const fine = [new ApiError(403, "not_a_member", "x"), notFound("Membership", "not_a_member"), refuse(403, "not_a_member", "x")];
    const known: Code[] = ["not_a_member", "room_not_found"];
    expect([map, typo, fine.length, known.length]).toBeTruthy();
  });
});
