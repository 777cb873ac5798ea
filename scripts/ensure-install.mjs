#!/usr/bin/env node
// Makes a fresh clone runnable: installs dependencies when they are missing or stale, then
// generates the Prisma client when it is missing or older than the schema.
// Plain JavaScript on purpose: it runs before `tsx`, TypeScript or any dependency exists.
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const at = (...parts) => join(root, ...parts);
const mtime = (path) => statSync(path).mtimeMs;
const isWindows = process.platform === "win32";

function fail(message) {
  console.error(`ensure-install: ${message}`);
  process.exit(1);
}

function run(command, args, env = process.env) {
  // npm/npx are .cmd shims on Windows, which spawn can only start through a shell.
  const result = spawnSync(command, args, { cwd: root, env, stdio: "inherit", shell: isWindows });
  if (result.error) fail(`could not run \`${command} ${args.join(" ")}\`: ${result.error.message}`);
  if (result.status !== 0) {
    fail(`\`${command} ${args.join(" ")}\` failed (exit ${result.status ?? result.signal}); see the output above.`);
  }
}

// 1. Dependencies. npm writes node_modules/.package-lock.json after every install, so a lock
// file newer than it means the lock changed (git pull, branch switch) since the last install.
const lock = at("package-lock.json");
const installedLock = at("node_modules", ".package-lock.json");
const hasLock = existsSync(lock);
const needsInstall = !existsSync(at("node_modules")) || (hasLock && (!existsSync(installedLock) || mtime(lock) > mtime(installedLock)));
if (needsInstall) {
  console.error(`ensure-install: installing dependencies with npm ${hasLock ? "ci" : "install"}`);
  if (!hasLock || !tryNpmCi()) run("npm", ["install"]);
}

/**
 * `npm ci`, or false when it refuses the lock file. It does so when an optional platform package
 * (e.g. @biomejs/cli-darwin-arm64) could not be resolved from the registry when the lock was
 * written, which happens with partial registry mirrors: https://github.com/npm/cli/issues/9846.
 * `npm install` accepts the same lock file and installs the same versions, so fall back to it.
 */
function tryNpmCi() {
  const result = spawnSync("npm", ["ci"], {
    cwd: root,
    stdio: ["inherit", "inherit", "pipe"],
    encoding: "utf8",
    shell: isWindows,
  });
  if (result.error) fail(`could not run \`npm ci\`: ${result.error.message}`);
  if (result.status === 0) {
    process.stderr.write(result.stderr);
    return true;
  }
  const lines = result.stderr.split("\n");
  const missing = lines.filter((line) => line.includes("Missing:"));
  const shown =
    missing.length > 0 ? [...missing.slice(0, 3), missing.length > 3 ? `... ${missing.length - 3} more` : ""] : lines.slice(-15);
  console.error(
    `${shown.filter(Boolean).join("\n")}\nensure-install: \`npm ci\` failed (exit ${result.status ?? result.signal}); falling back to \`npm install\``,
  );
  return false;
}

// 2. Prisma client (git-ignored, generated from prisma/schema.prisma).
const schema = at("prisma", "schema.prisma");
const client = at("core", "store-prisma", "generated", "client.ts");
if (existsSync(schema) && (!existsSync(client) || mtime(client) < mtime(schema))) {
  // Prisma 7 wants its native schema engine even for `generate`, and cannot download it offline;
  // generation itself is Wasm, so any executable will do. This one explains itself if called.
  const engine = at("scripts", "no-schema-engine.sh");
  if (!existsSync(engine)) fail(`${engine} is missing`);
  try {
    chmodSync(engine, 0o755); // in case a checkout or copy lost the executable bit
  } catch {
    // read-only checkout: rely on the bit stored in git
  }
  console.error("ensure-install: generating the Prisma client");
  run("npx", ["--no", "--", "prisma", "generate"], {
    ...process.env,
    PRISMA_SCHEMA_ENGINE_BINARY: engine,
  });
  if (!existsSync(client)) fail(`prisma generate succeeded but ${client} was not created`);
}
