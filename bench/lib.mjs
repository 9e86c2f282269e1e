// Shared by the bench scripts: `--name value` arguments and JSON calls to the API.

/** `--clients 1,10 --rate 50` -> { clients: "1,10", rate: "50" }. */
export const parseArgs = (argv = process.argv.slice(2)) =>
  Object.fromEntries(
    argv
      .join(" ")
      .split("--")
      .filter(Boolean)
      .map((kv) => kv.trim().split(/\s+/)),
  );

/** A JSON call to `${base}/api/v1${path}`; throws on any non-2xx with the status and body. */
export async function call(base, method, path, token, body) {
  const res = await fetch(`${base}/api/v1${path}`, {
    method,
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json().catch(() => null);
  if (!res.ok) throw new Error(`${method} ${path} -> ${res.status} ${JSON.stringify(json)}`);
  return json;
}
