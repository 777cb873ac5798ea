import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { type ServerType, serve } from "@hono/node-server";
import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { Redis } from "ioredis";
import type { CountryCode } from "libphonenumber-js";
import type { Logger } from "pino";
import { ZodError } from "zod";
import { eventApi, eventsPath } from "../bots/admin/event-api.ts";
import { clientAddress } from "../bots/client-address.ts";
import { paymentRoutes } from "../bots/payments/payment-routes.ts";
import { reviewLinkRoutes } from "../bots/review-link-routes.ts";
import { SharedFileFetcher } from "../bots/shared-file-fetcher.ts";
import { TelegramChannel, telegramWebhookPath } from "../bots/telegram/telegram-channel.ts";
import { TelegramSupportDesk } from "../bots/telegram/telegram-support-desk.ts";
import { VkChannel, vkCallbackPath } from "../bots/vk/vk-channel.ts";
import { perIpRateLimit } from "../bots/webchat/per-ip-rate-limit.ts";
import { RedisWebChatRelay } from "../bots/webchat/redis-web-chat-relay.ts";
import { WebChatChannel } from "../bots/webchat/web-chat-channel.ts";
import { webChatRoutes } from "../bots/webchat/web-chat-routes.ts";
import { WebChatSessions } from "../bots/webchat/web-chat-sessions.ts";
import { Engine } from "../core/engine/engine.ts";
import { SupportHours } from "../core/engine/support-hours.ts";
import { FlowError } from "../core/flow/flow-error.ts";
import { RedisAttemptLimiter } from "../core/pacing-redis/redis-attempt-limiter.ts";
import { RedisSendPacer, telegramGroupPacing, telegramPacing, vkPacing } from "../core/pacing-redis/redis-send-pacer.ts";
import { ConversationRuntime } from "../core/runtime/conversation-runtime.ts";
import { BullMqFollowUpQueue } from "../core/scheduler-bullmq/bullmq-follow-up-queue.ts";
import { BullMqPeriodicJob } from "../core/scheduler-bullmq/bullmq-periodic-job.ts";
import { openDatabase } from "../core/store-prisma/open-database.ts";
import { PrismaConversationReader } from "../core/store-prisma/prisma-conversation-reader.ts";
import { PrismaConversationStore } from "../core/store-prisma/prisma-conversation-store.ts";
import { PrismaFlowVersionStore } from "../core/store-prisma/prisma-flow-version-store.ts";
import { PrismaSupportThreads } from "../core/store-prisma/prisma-support-threads.ts";
import { PrismaUploadedFileCache } from "../core/store-prisma/prisma-uploaded-file-cache.ts";
import { resolveEngineTexts } from "../core/texts/engine-texts.ts";
import type { Config } from "./config.ts";
import { loadFlowDirectory } from "./flow-directory.ts";
import { paymentProviders } from "./payment-providers.ts";
import { reportErrorsCalmly } from "./report-errors-calmly.ts";
import { watchFlowDirectory, withVersionsInUse } from "./versioned-flows.ts";
import { webChatSessionSecret } from "./web-chat-session-secret.ts";

export interface RunningOrkestr {
  url: string;
  runtime: ConversationRuntime;
  stop(): Promise<void>;
}

/** Webhook bodies above this are refused with 413 before they are parsed. */
export const webhookBodyLimitBytes = 1024 * 1024;

/**
 * The production process: HTTP server (web chat, health), the follow-up worker and the
 * enabled channels, wired to one database and one Redis. `stop()` is the graceful shutdown.
 * `clock` is the time conversations run on (a test sets the day and the hour; the wall clock otherwise).
 */
export async function startOrkestr(config: Config, logger: Logger, options: { clock?: () => Date } = {}): Promise<RunningOrkestr> {
  const clock = options.clock ?? (() => new Date());
  // Broken flows stop the start before anything else is touched.
  const loaded = await loadFlowDirectory(config.FLOWS_DIR);
  // So does an unreadable session secret file.
  const webChatSessions = config.WEBCHAT_ENABLED ? new WebChatSessions(await webChatSessionSecret(config, logger)) : undefined;

  const database = await openDatabase({
    ...(config.DATABASE_URL ? { databaseUrl: config.DATABASE_URL } : {}),
    dataDir: join(config.DATA_DIR, "pglite"),
    poolSize: config.DATABASE_POOL_SIZE,
  });
  logger.info({ database: database.kind }, "database ready");
  const flowVersions = new PrismaFlowVersionStore(database.prisma);
  const flows = await withVersionsInUse(loaded, flowVersions, logger);
  logger.info({ flows: flows.all().map((f) => `${f.id}@${f.version}`) }, "flows loaded");

  const redis = new Redis(config.REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect().catch((error: Error) => {
    throw new Error(`Cannot reach Redis at ${config.REDIS_URL}: ${error.message}`, { cause: error });
  });
  // BullMQ workers need maxRetriesPerRequest: null (https://docs.bullmq.io/guide/going-to-production).
  // A Redis outage is logged by our logger, not as raw "Unhandled error event" stack traces.
  reportErrorsCalmly(redis, logger, "redis");
  const queue = new BullMqFollowUpQueue({ url: config.REDIS_URL, maxRetriesPerRequest: null }, config.QUEUE_PREFIX, clock);
  reportErrorsCalmly(queue, logger, "follow-up queue");
  // Replicas share the web chat's live updates: a page's stream may be held by another process than the sender.
  const webChatRelay = await RedisWebChatRelay.start({ redis, channel: `${config.QUEUE_PREFIX}:webchat`, logger });
  const webChat = new WebChatChannel(webChatRelay);
  const uploadedFiles = new PrismaUploadedFileCache(database.prisma);
  const telegram = config.TELEGRAM_BOT_TOKEN
    ? new TelegramChannel({
        token: config.TELEGRAM_BOT_TOKEN,
        apiRoot: config.TELEGRAM_API_ROOT,
        webhookUrl: config.TELEGRAM_WEBHOOK_URL,
        webhookSecret: config.TELEGRAM_WEBHOOK_SECRET,
        pacer: new RedisSendPacer(redis, `${config.QUEUE_PREFIX}:telegram`, telegramPacing(config.TELEGRAM_BULK_RATE)),
        paidBroadcast: config.TELEGRAM_PAID_BROADCAST,
        files: uploadedFiles,
        logger,
        texts: () => resolveEngineTexts(flows.installationTexts.language, flows.installationTexts.texts),
      })
    : undefined;
  if (!telegram) logger.info("telegram channel is off: TELEGRAM_BOT_TOKEN is not set");
  // Files cross channels during a handoff: a VK customer's photo into the topic, staff's files to VK.
  const sharedFiles = new SharedFileFetcher({
    telegram:
      telegram && config.TELEGRAM_BOT_TOKEN
        ? { api: telegram.bot.api, token: config.TELEGRAM_BOT_TOKEN, apiRoot: config.TELEGRAM_API_ROOT }
        : undefined,
  });
  const supportDesk =
    telegram && config.SUPPORT_CHAT_ID
      ? new TelegramSupportDesk({
          api: telegram.bot.api,
          chatId: config.SUPPORT_CHAT_ID,
          threads: new PrismaSupportThreads(database.prisma),
          pacer: new RedisSendPacer(redis, `${config.QUEUE_PREFIX}:support`, telegramGroupPacing(config.SUPPORT_GROUP_WINDOW_SECONDS)),
          sharedFiles,
          logger,
        })
      : undefined;
  if (supportDesk && telegram) {
    // A support group that cannot serve is said at start, in plain words, not at the first handoff.
    await supportDesk.check(Number(telegram.botId)).catch(async (error: unknown) => {
      webChatRelay.close();
      await queue.close();
      redis.disconnect();
      await database.close();
      throw error;
    });
    telegram.attachSupportDesk(supportDesk);
  } else logger.info("support desk is off: handoffs are stored only (set SUPPORT_CHAT_ID, see docs/support.md)");
  const vk =
    config.VK_GROUP_TOKEN && config.VK_GROUP_ID
      ? new VkChannel({
          token: config.VK_GROUP_TOKEN,
          groupId: config.VK_GROUP_ID,
          apiBaseUrl: config.VK_API_BASE_URL,
          pacer: new RedisSendPacer(redis, `${config.QUEUE_PREFIX}:vk`, vkPacing),
          files: uploadedFiles,
          sharedFiles,
          callback:
            config.VK_CONFIRMATION_CODE && config.VK_CALLBACK_SECRET
              ? { confirmationCode: config.VK_CONFIRMATION_CODE, secret: config.VK_CALLBACK_SECRET }
              : undefined,
          logger,
        })
      : undefined;
  if (!vk) logger.info("vk channel is off: VK_GROUP_TOKEN and VK_GROUP_ID are not set");
  let publicUrl = config.PUBLIC_URL;
  const { payments, yookassa, stripe, test: testPayments } = paymentProviders(config, telegram?.bot.api, () => publicUrl ?? "");
  if (!yookassa && !stripe && !testPayments && !telegram)
    logger.info("payments are off: set YOOKASSA_SHOP_ID and YOOKASSA_SECRET_KEY (or PAYMENTS_TEST=true to try)");
  const runtime = new ConversationRuntime({
    engine: new Engine(flows, {
      defaultRegion: config.DEFAULT_PHONE_REGION as CountryCode,
      support: {
        desk: supportDesk !== undefined,
        hours: config.SUPPORT_HOURS_TEXT,
        schedule: config.SUPPORT_HOURS ? SupportHours.parse(config.SUPPORT_HOURS, config.SUPPORT_TIMEZONE) : undefined,
      },
      handoffPhrases: config.SUPPORT_KEYWORDS,
      marketingCaps: { perDay: config.MAX_MARKETING_PER_DAY, perWeek: config.MAX_MARKETING_PER_WEEK },
    }),
    store: new PrismaConversationStore(database.prisma, {
      pool: database.pool,
      payments,
      supportDesk: supportDesk !== undefined,
      // Counted review links need an address people can open: only a configured one (Telegram refuses local ones).
      reviewLinkBase: config.PUBLIC_URL,
      clock,
    }),
    scheduler: queue,
    clock,
    senders: [webChat, ...(telegram ? [telegram] : []), ...(vk ? [vk] : []), ...(supportDesk ? [supportDesk] : [])],
    payments,
    logger,
    supportTimers: {
      remindAfterMs: config.SUPPORT_REMIND_AFTER,
      mention: config.SUPPORT_MENTION,
      autoReturnAfterMs: config.SUPPORT_AUTO_RETURN_AFTER,
    },
    // A person needs one or two tries; a script guessing codes gets a handful an hour.
    linkCodeAttempts: {
      perAccount: new RedisAttemptLimiter(redis, `${config.QUEUE_PREFIX}:link-attempts:account`, 5, 3600),
      perIp: new RedisAttemptLimiter(redis, `${config.QUEUE_PREFIX}:link-attempts:ip`, 20, 3600),
    },
  });

  const http = new Hono();
  http.onError((error, c) => {
    if (error instanceof ZodError)
      return c.json({ error: error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ") }, 400);
    if (error instanceof SyntaxError) return c.json({ error: "Request body is not valid JSON" }, 400);
    // One that carries its own answer (bearer auth's 401 with WWW-Authenticate) gives that answer.
    if (error instanceof HTTPException) return error.res ? error.getResponse() : c.json({ error: error.message }, error.status);
    logger.error({ err: error, path: c.req.path }, "request failed");
    return c.json({ error: "Internal error" }, 500);
  });
  http.get("/health", async (c) => {
    const checks = await Promise.allSettled([database.prisma.$queryRaw`SELECT 1`, redis.ping()]);
    const [db, cache] = checks.map((r) => (r.status === "fulfilled" ? "ok" : "down"));
    const healthy = db === "ok" && cache === "ok";
    return c.json({ status: healthy ? "ok" : "degraded", database: db, redis: cache, flows: flows.all().length }, healthy ? 200 : 503);
  });
  const tooLarge = (maxSize: number) => bodyLimit({ maxSize, onError: (c) => c.json({ error: "Request body is too large" }, 413) });
  http.use("/api/*", tooLarge(64 * 1024));
  if (config.WEBCHAT_ENABLED) {
    // The web chat's limit per visitor; the admin API has its token, and a shop sends its events from one address.
    const perVisitor = perIpRateLimit(config.WEBCHAT_RATE_LIMIT);
    http.use("/api/*", (c, next) => (c.req.path === eventsPath ? next() : perVisitor(c, next)));
  }
  // A platform update is a few kilobytes; a forged 100 MB body must not be read into memory.
  http.use(telegramWebhookPath, tooLarge(webhookBodyLimitBytes));
  http.use(vkCallbackPath, tooLarge(webhookBodyLimitBytes));
  http.use("/payments/*", tooLarge(webhookBodyLimitBytes));
  http.route("/", reviewLinkRoutes(runtime, logger));
  if (config.ADMIN_TOKEN) http.route("/", eventApi({ runtime, token: config.ADMIN_TOKEN, logger }));
  else logger.info("admin API is off: set ADMIN_TOKEN to take events from other systems (POST /api/events)");
  http.route(
    "/",
    paymentRoutes({
      runtime,
      yookassa,
      stripe,
      test: testPayments,
      checkYooKassaSender: config.YOOKASSA_CHECK_IP,
      clientAddress: clientAddress(config.TRUST_PROXY),
      logger,
    }),
  );
  if (webChatSessions) {
    http.route(
      "/",
      webChatRoutes({
        runtime,
        reader: new PrismaConversationReader(database.prisma),
        flows: () => flows,
        channel: webChat,
        sessions: webChatSessions,
      }),
    );
  } else {
    logger.info("web chat is off (WEBCHAT_ENABLED=false)");
  }

  // A good change replaces the flows at once; a broken one is reported and the last good flows stay.
  const reloadFlows = async () => {
    try {
      flows.replace(await withVersionsInUse(await loadFlowDirectory(config.FLOWS_DIR), flowVersions, logger));
      logger.info({ flows: flows.all().map((f) => `${f.id}@${f.version}`) }, "flows reloaded");
    } catch (error) {
      if (error instanceof FlowError)
        logger.error({ problems: error.problems.map((p) => `${p.file}:${p.line}:${p.col} ${p.message}`) }, "flows not reloaded");
      else logger.error({ err: error }, "flows not reloaded");
    }
  };

  const stopWatching = config.FLOWS_WATCH
    ? watchFlowDirectory(config.FLOWS_DIR, () => {
        void reloadFlows();
      })
    : undefined;
  await runtime.recover();
  const stopSweeper = runtime.startSweeper();
  const worker = queue.startWorker((id) => runtime.fireFollowUp(id), config.WORKER_CONCURRENCY);
  worker.on("failed", (job, error) => logger.warn({ err: error, jobId: job?.id }, "follow-up job failed"));
  reportErrorsCalmly(worker, logger, "follow-up worker");
  // One schedule for every replica; a scan with no win-back flows costs nothing.
  const winbackScan = new BullMqPeriodicJob(
    "winback-scan",
    config.WINBACK_SCAN_EVERY ?? 3_600_000,
    { url: config.REDIS_URL, maxRetriesPerRequest: null },
    config.QUEUE_PREFIX,
  );
  reportErrorsCalmly(winbackScan, logger, "win-back scan queue");
  reportErrorsCalmly(await winbackScan.start(() => runtime.scanInactivity()), logger, "win-back scan");
  await telegram?.start(runtime, http);
  await vk?.start(runtime, http);

  const server = await new Promise<ServerType>((resolve) => {
    const s = serve({ fetch: http.fetch, port: config.PORT, hostname: config.HOST }, () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://localhost:${port}`;
  publicUrl ??= url;
  logger.info({ url }, "web chat ready");

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      logger.info("shutting down");
      // Stop taking requests, let in-flight turns and sends finish, then close the workers.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        (server as { closeIdleConnections?: () => void }).closeIdleConnections?.();
        setTimeout(() => (server as { closeAllConnections?: () => void }).closeAllConnections?.(), 5_000).unref();
      });
      stopWatching?.();
      await telegram?.stop();
      await vk?.stop();
      await stopSweeper();
      await runtime.idle();
      await queue.close();
      await winbackScan.close();
      webChatRelay.close();
      redis.disconnect();
      await database.close();
      logger.info("stopped");
    })();
    return stopping;
  };
  return { url, runtime, stop };
}
