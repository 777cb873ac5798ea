import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import busboy from "busboy";

/** A file part of a multipart request, as the fakes record it. */
export interface ReceivedFile {
  field: string;
  name: string;
  size: number;
  sha256: string;
}

/**
 * Reads a multipart/form-data request (uploads by grammY and vk-io) into its text fields and
 * file parts. busboy accepts what real servers accept, e.g. grammY's unquoted file names.
 */
export function parseMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; files: ReceivedFile[] }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: ReceivedFile[] = [];
    const parser = busboy({ headers: req.headers });
    parser.on("field", (name, value) => {
      fields[name] = value;
    });
    parser.on("file", (field, stream, info) => {
      const hash = createHash("sha256");
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        hash.update(chunk);
        size += chunk.length;
      });
      stream.on("end", () => files.push({ field, name: info.filename ?? field, size, sha256: hash.digest("hex") }));
    });
    parser.on("close", () => resolve({ fields, files }));
    parser.on("error", reject);
    req.pipe(parser);
  });
}
