import { request } from "node:http";

/**
 * A POST on a connection of its own, closed afterwards. For requests the server refuses before
 * reading their body (413): it then closes the connection, which fetch's shared pool would
 * otherwise hand to the next request.
 */
export function postOnOwnConnection(url: string, body: string, headers: Record<string, string> = {}): Promise<{ status: number }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", agent: false, headers: { "content-type": "application/json", ...headers } }, (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0 });
    });
    // The server may hang up while the body is still being written; the answer has come by then.
    req.on("error", (error) => (req.writableEnded ? undefined : reject(error)));
    req.end(body);
  });
}
