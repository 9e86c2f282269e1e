import { describe, expect, it } from "vitest";
import { api, createRoom, registerUser } from "./helpers";

describe("smoke", () => {
  it("serves the index and creates a room", async () => {
    const root = await api("GET", "http://edge.test/api/v1");
    expect(root.status).toBe(200);
    const u = await registerUser();
    const room = await createRoom(u);
    expect(room.members_count).toBe(1);
  });
});
