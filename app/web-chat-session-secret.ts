import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "pino";
import type { Config } from "./config.ts";

const minimumLength = 32;

/**
 * The secret that signs the web chat's session cookies: `WEBCHAT_SESSION_SECRET`, or else one
 * made up once and kept in `$DATA_DIR/webchat-session-secret` (mode 0600), so the demo's
 * sessions survive a restart without any set-up.
 */
export async function webChatSessionSecret(config: Pick<Config, "WEBCHAT_SESSION_SECRET" | "DATA_DIR">, logger: Logger): Promise<string> {
  if (config.WEBCHAT_SESSION_SECRET) return config.WEBCHAT_SESSION_SECRET;
  const file = join(config.DATA_DIR, "webchat-session-secret");
  const kept = await readSecretFile(file);
  if (kept !== undefined) return kept;
  try {
    if (await createSecretFile(config.DATA_DIR, file))
      logger.info(
        { file },
        "web chat session secret generated; replicas behind one URL must share one secret: set WEBCHAT_SESSION_SECRET on each",
      );
  } catch (error) {
    throw new Error(
      `Cannot keep the web chat session secret in ${file} (${(error as Error).message}): make DATA_DIR writable or set WEBCHAT_SESSION_SECRET`,
      { cause: error },
    );
  }
  return (await readSecretFile(file)) as string;
}

/**
 * Writes a new random secret in full beside the file and links it into place: link() never
 * replaces a file, so two processes starting at once on one DATA_DIR both end up with the first
 * one's secret, and neither can read a half-written file. False when another process was first.
 */
async function createSecretFile(dataDir: string, file: string): Promise<boolean> {
  await mkdir(dataDir, { recursive: true });
  const draft = `${file}.${randomBytes(6).toString("hex")}.tmp`;
  await writeFile(draft, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600 });
  try {
    await link(draft, file);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await rm(draft, { force: true });
  }
}

/** The kept secret, or undefined when there is no file yet; a file too short to be one stops the start. */
async function readSecretFile(file: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    // No file yet, or no DATA_DIR yet (creating one then says what is wrong with the path).
    const { code } = error as NodeJS.ErrnoException;
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    throw error;
  }
  const secret = text.trim();
  if (secret.length < minimumLength)
    throw new Error(
      `${file} holds no usable web chat session secret (fewer than ${minimumLength} characters): delete it to have a new one made, or set WEBCHAT_SESSION_SECRET`,
    );
  return secret;
}
