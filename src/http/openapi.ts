// The OpenAPI document's finishing pass, in one place: every operation gets a stable, unique
// operationId (its own where a route names one, else derived from method and path), so code
// generators name methods the same way on every build, and routes added later are covered.
import type { OpenAPIHono } from "@hono/zod-openapi";

type Registry = OpenAPIHono["openAPIRegistry"];

/** "/api/v1/chat-rooms/{room_id}/messages", "get" -> "getChatRoomsByRoomIdMessages". */
export function deriveOperationId(method: string, path: string): string {
  const words = path
    .replace(/^\/api\/v\d+/, "")
    .split("/")
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return (param ? "by-" : "") + (param ? param[1] : seg);
    })
    .flatMap((seg) => seg.split(/[^A-Za-z0-9]+/))
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0].toUpperCase() + w.slice(1)).join("");
}

/**
 * Names every registered operation that has no operationId yet. Run once after every route is
 * mounted (sub-apps' routes are copied into the parent's registry by app.route).
 */
export function nameOperations(registry: Registry) {
  for (const def of registry.definitions) {
    if (def.type !== "route") continue;
    def.route.operationId ??= deriveOperationId(def.route.method, def.route.path);
  }
}

/** The documents themselves (served by plain handlers in app.ts), public like the API's front page. */
export function registerDocumentRoutes(registry: Registry, api: string) {
  const doc = (path: string, operationId: string, summary: string, type = "application/json") =>
    registry.registerPath({
      method: "get",
      path: `${api}${path}`,
      operationId,
      security: [],
      tags: ["meta"],
      summary,
      responses: { 200: { description: "The document", content: { [type]: { schema: { type: type === "text/html" ? "string" : "object" } } } } },
    });
  doc("/openapi.json", "getOpenApiDocument", "This OpenAPI 3.1 document");
  doc("/asyncapi.json", "getAsyncApiDocument", "The AsyncAPI 3.0 document of both WebSockets (room and user)");
  doc("/docs", "getApiDocs", "Swagger UI for this document", "text/html");
}
