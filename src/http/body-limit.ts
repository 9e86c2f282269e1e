// The JSON body limit of every door (core and dialects); uploads stream past it and enforce
// MAX_UPLOAD_BYTES themselves.
import { bodyLimit } from "hono/body-limit";
import { ApiError } from "./errors";

export const MAX_JSON_BODY = 1024 * 1024;

export const jsonBodyLimit = bodyLimit({
  maxSize: MAX_JSON_BODY,
  onError: () => {
    throw new ApiError(413, "payload_too_large", `Request body is larger than ${MAX_JSON_BODY} bytes`);
  },
});
