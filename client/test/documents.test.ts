// The committed documents (client/openapi.json, client/asyncapi.json) are what the worker serves
// (test/openapi.test.ts and test/asyncapi.test.ts compare them); here they are validated against
// their specifications with maintained validators.
import { readFile } from "node:fs/promises";
import { Validator } from "@seriousme/openapi-schema-validator";
import { describe, expect, it } from "vitest";

const load = async (name: string) => JSON.parse(await readFile(new URL(`../${name}`, import.meta.url), "utf8"));

describe("documents", () => {
  it("openapi.json is a valid OpenAPI 3.1 document", async () => {
    const validator = new Validator();
    const result = await validator.validate(await load("openapi.json"));
    expect(result.errors ?? [], JSON.stringify(result.errors, null, 1)?.slice(0, 2000)).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe("3.1");
  });

  it("a broken document is refused (the validator is really looking)", async () => {
    const doc = await load("openapi.json");
    doc.paths["/api/v1/health"].get.responses = "nope";
    expect((await new Validator().validate(doc)).valid).toBe(false);
  });
});
