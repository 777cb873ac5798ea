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
 * file parts, accepting what the real servers accept: grammY writes file names unquoted and in
 * UTF-8 (`filename=договор.pdf`), which the Bot API takes and busboy would drop, so such names
 * are quoted in the part headers first.
 */
export async function parseMultipart(req: IncomingMessage): Promise<{ fields: Record<string, string>; files: ReceivedFile[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const boundary = /boundary=("?)([^";]+)\1/.exec(req.headers["content-type"] ?? "")?.[2];
  const body = boundary ? quoteFileNames(Buffer.concat(chunks), boundary) : Buffer.concat(chunks);
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: ReceivedFile[] = [];
    const parser = busboy({ headers: req.headers, defParamCharset: "utf8" });
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
    parser.end(body);
  });
}

/** Quotes unquoted `filename=` values in the part headers (the lines between a boundary and the blank line after it). */
function quoteFileNames(body: Buffer, boundary: string): Buffer {
  const text = body.toString("latin1");
  const delimiter = `--${boundary}\r\n`;
  let out = "";
  let at = 0;
  for (let start = text.indexOf(delimiter); start !== -1; start = text.indexOf(delimiter, at)) {
    const headersStart = start + delimiter.length;
    const headersEnd = text.indexOf("\r\n\r\n", headersStart);
    if (headersEnd === -1) break;
    const headers = text.slice(headersStart, headersEnd).replace(/filename=(?!")([^;\r\n]*)/gi, 'filename="$1"');
    out += text.slice(at, headersStart) + headers;
    at = headersEnd;
  }
  return Buffer.from(out + text.slice(at), "latin1");
}
