/**
 * The reference of the turn benchmark (bench/turns.bench.ts, docs/benchmarks.md): about the
 * least a grammY bot with state does per update — one INSERT into PostgreSQL, one reply —
 * behind `webhookCallback` on a plain Node http server. It reads the same variables as the app
 * (PORT, HOST, DATABASE_URL, TELEGRAM_*), so both are started and configured the same way, and
 * answers `/health` like the app so test/support/app-process.ts can wait for it.
 */
import { createServer } from "node:http";
import { autoRetry } from "@grammyjs/auto-retry";
import { Bot, webhookCallback } from "grammy";
import pg from "pg";
import { loadConfig } from "../../app/config.ts";

const config = loadConfig();
if (!config.DATABASE_URL || !config.TELEGRAM_BOT_TOKEN) throw new Error("set DATABASE_URL and TELEGRAM_BOT_TOKEN");

const pool = new pg.Pool({ connectionString: config.DATABASE_URL });
await pool.query(`CREATE TABLE IF NOT EXISTS bench_update (
  update_id bigint PRIMARY KEY, chat_id bigint NOT NULL, text text NOT NULL, received_at timestamptz NOT NULL DEFAULT now())`);

const bot = new Bot(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT ? { client: { apiRoot: config.TELEGRAM_API_ROOT } } : {});
// The app's own retries (bots/telegram): a request on a keep-alive connection that the Bot API
// closes at that moment (idle for its 5 s) fails once; the app rides that out, so must the reference.
bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
bot.on("message:text", async (ctx) => {
  await pool.query("INSERT INTO bench_update (update_id, chat_id, text) VALUES ($1, $2, $3)", [
    ctx.update.update_id,
    ctx.chat.id,
    ctx.message.text,
  ]);
  await ctx.reply("pong");
});
await bot.init();

const handleUpdate = webhookCallback(bot, "http", { secretToken: config.TELEGRAM_WEBHOOK_SECRET });
const server = createServer((req, res) => {
  if (req.method === "GET" && req.url === "/health") {
    res.end("ok");
    return;
  }
  // grammY answers 200 (401 for a wrong secret); a failed handler rejects, and Telegram would deliver again.
  handleUpdate(req, res).catch((error: unknown) => {
    console.error("update failed:", error);
    if (!res.headersSent) res.writeHead(500);
    res.end();
  });
});
server.listen(config.PORT, config.HOST);

process.once("SIGTERM", () => {
  server.close();
  server.closeIdleConnections();
  pool.end().then(
    () => process.exit(0),
    () => process.exit(1),
  );
});
