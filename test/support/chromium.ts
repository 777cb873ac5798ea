import { aptInstall, isRoot, which } from "../../scripts/service-process.ts";

/**
 * The system Chromium for browser tests (driven by playwright-core, which downloads nothing):
 * CHROMIUM_PATH, `chromium` on PATH, or Debian's package installed when we are root. Fails
 * loudly otherwise: a browser test must not pass without a browser.
 */
export async function findChromium(): Promise<string> {
  const configured = process.env.CHROMIUM_PATH;
  if (configured) return configured;
  for (const name of ["chromium", "chromium-browser", "google-chrome"]) {
    const found = await which(name);
    if (found) return found;
  }
  let detail = "";
  if (isRoot() && (await which("apt-get"))) {
    const result = await aptInstall("chromium");
    const installed = await which("chromium");
    if (result.code === 0 && installed) return installed;
    detail = `\napt-get install -y chromium failed:\n${result.output.slice(-3000)}`;
  }
  throw new Error(
    `No Chromium for the web chat page test: install it (\`sudo apt-get install -y chromium\`) or set CHROMIUM_PATH.${detail}`,
  );
}
