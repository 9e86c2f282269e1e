// The committed documents (client/openapi.json, client/asyncapi.json) are what the worker serves
// (test/openapi.test.ts and test/asyncapi.test.ts compare them); here they are validated against
// their specifications with maintained validators.
import { readFile } from "node:fs/promises";
import { Parser } from "@asyncapi/parser";
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

  it("asyncapi.json is a valid AsyncAPI 3.0 document", async () => {
    const { document, diagnostics } = await new Parser().parse(await readFile(new URL("../asyncapi.json", import.meta.url), "utf8"));
    // Severity 0 is an error; warnings and hints are allowed.
    const errors = diagnostics.filter((d) => d.severity === 0);
    expect(errors.map((d) => `${d.path.join(".")}: ${d.message}`)).toEqual([]);
    expect(document).toBeDefined();
    expect(document!.version()).toBe("3.0.0");
    expect(document!.channels().all().map((c) => c.address())).toEqual(["/api/v1/chat-rooms/{room_id}/ws", "/api/v1/realtime/ws"]);
    const room = document!.channels().get("room")!;
    expect(room.messages().all().map((m) => m.name())).toContain("batch");
  });

  it("a broken AsyncAPI document is refused", async () => {
    const doc = await load("asyncapi.json");
    doc.operations.roomServerFrames.action = "shout";
    const { diagnostics } = await new Parser().parse(JSON.stringify(doc));
    expect(diagnostics.filter((d) => d.severity === 0).length).toBeGreaterThan(0);
  });
});
