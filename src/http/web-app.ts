// Which requests belong to the web app (web/, served as static assets) rather than the API: the
// assets answer them, with their own headers (web/public/_headers), so API middleware leaves them be.
const API_PREFIXES = ["/api/", "/ws/", "/realtime/", "/user/"];

export function isAppPage(method: string, path: string, api: string) {
  return (method === "GET" || method === "HEAD") && path !== api && !API_PREFIXES.some((p) => path.startsWith(p));
}
