import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpServer } from "./local-http-server.ts";

export interface YooKassaAmount {
  value: string;
  currency: string;
}

export type YooKassaPaymentStatus = "pending" | "waiting_for_capture" | "succeeded" | "canceled";

export interface YooKassaPayment {
  id: string;
  status: YooKassaPaymentStatus;
  paid: boolean;
  amount: YooKassaAmount;
  income_amount?: YooKassaAmount;
  description?: string;
  metadata?: Record<string, string>;
  created_at: string;
  captured_at?: string;
  confirmation: { type: "redirect"; return_url: string; confirmation_url: string };
  test: true;
  refundable: boolean;
  refunded_amount?: YooKassaAmount;
  recipient: { account_id: string; gateway_id: string };
  payment_method?: { type: "bank_card"; id: string; saved: boolean; title: string };
  cancellation_details?: { party: "merchant" | "yoo_money"; reason: string };
}

export interface YooKassaRefund {
  id: string;
  payment_id: string;
  status: "succeeded";
  amount: YooKassaAmount;
  description?: string;
  created_at: string;
}

export interface YooKassaCall {
  method: string;
  path: string;
  idempotenceKey: string | undefined;
  /** The parsed JSON body, the raw text if it was not JSON, undefined if empty. */
  body: unknown;
  /** HTTP status the fake answered with. */
  status?: number;
  /** When the call arrived (ms since epoch). */
  at: number;
}

export type YooKassaEvent = "payment.succeeded" | "payment.canceled" | "payment.waiting_for_capture" | "refund.succeeded";

/** Answered with YooKassa's error shape: { type: "error", id, code, description, parameter? }. */
class YooKassaError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    description: string,
    readonly parameter?: string,
  ) {
    super(description);
  }
}

const invalid = (description: string, parameter?: string) => new YooKassaError(400, "invalid_request", description, parameter);

interface StoredPayment {
  object: YooKassaPayment;
  /** With capture: false a paid payment waits for capture instead of succeeding. */
  capture: boolean;
  refunded: number;
}

/** What an Idempotence-Key was first used for: a retry must match it exactly. */
interface UsedKey {
  fingerprint: string;
  kind: "payment" | "refund";
  id: string;
}

/**
 * A local YooKassa API v3 (https://yookassa.ru/developers/api) for tests; clients reach it at
 * `${url}/v3`. It enforces the contract a real integration must respect, because a fake that
 * accepts anything proves nothing: Basic auth, a required Idempotence-Key with YooKassa's replay
 * rules, amounts as "123.45" strings, redirect confirmation, description/metadata limits and a
 * valid 54-FZ receipt. Tests drive the customer's side with `succeed`, `cancel` and `notify`.
 */
export class FakeYooKassaApi extends LocalHttpServer {
  readonly calls: YooKassaCall[] = [];
  readonly shopId: string;
  private readonly secretKey: string;
  private readonly stored = new Map<string, StoredPayment>();
  private readonly storedRefunds = new Map<string, YooKassaRefund>();
  private readonly usedKeys = new Map<string, UsedKey>();
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private lostResponses = 0;

  constructor(options: { shopId?: string; secretKey?: string } = {}) {
    super();
    this.shopId = options.shopId ?? "123456";
    this.secretKey = options.secretKey ?? "test_secret";
  }

  /** Every payment in creation order, as GET /v3/payments/{id} would show it now (copies). */
  get payments(): YooKassaPayment[] {
    return [...this.stored.values()].map((p) => structuredClone(p.object));
  }

  get refunds(): YooKassaRefund[] {
    return [...this.storedRefunds.values()].map((r) => structuredClone(r));
  }

  payment(id: string): YooKassaPayment | undefined {
    const stored = this.stored.get(id);
    return stored && structuredClone(stored.object);
  }

  createdPayments(): number {
    return this.stored.size;
  }

  /** The customer paid on the checkout page. A payment created with capture: false waits for capture instead. */
  succeed(paymentId: string): YooKassaPayment {
    const stored = this.mustFind(paymentId);
    const payment = stored.object;
    if (payment.status !== "pending") throw new Error(`Payment ${paymentId} is ${payment.status}, only a pending one can be paid`);
    payment.paid = true;
    payment.payment_method = { type: "bank_card", id: payment.id, saved: false, title: "Bank card *4444" };
    if (stored.capture) {
      payment.status = "succeeded";
      payment.captured_at = new Date().toISOString();
      payment.refundable = true;
      // A 3.5% commission makes income differ from amount, so code mixing them up shows.
      const total = toKopecks(payment.amount.value);
      payment.income_amount = { value: fromKopecks(total - Math.round(total * 0.035)), currency: payment.amount.currency };
    } else {
      payment.status = "waiting_for_capture";
    }
    return structuredClone(payment);
  }

  /** YooKassa cancels an unpaid payment itself, e.g. about an hour after the checkout was opened. */
  cancel(paymentId: string, reason = "expired_on_confirmation"): YooKassaPayment {
    const payment = this.mustFind(paymentId).object;
    if (payment.status !== "pending" && payment.status !== "waiting_for_capture") {
      throw new Error(`Payment ${paymentId} is ${payment.status} and cannot be canceled`);
    }
    payment.status = "canceled";
    payment.cancellation_details = { party: "yoo_money", reason };
    return structuredClone(payment);
  }

  /** The next `count` POST /v3/payments answer `status` and create nothing (an outage before processing). */
  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }

  /**
   * The next `count` POST /v3/payments are processed (the payment exists and its key is used) but
   * answer 500, as when the response is lost: only a retry with the same key avoids a duplicate.
   */
  failNextAfterCreate(count: number): void {
    this.lostResponses = count;
  }

  /**
   * Posts a notification as YooKassa does (JSON, no signature) with the current object: the payment,
   * or for refund.succeeded the refund (by refund id, or the latest refund of a payment id).
   * Refuses events the object's state does not justify; use `notifyForged` for lies. Returns the HTTP status.
   */
  async notify(webhookUrl: string, event: YooKassaEvent, id: string, headers: Record<string, string> = {}): Promise<number> {
    if (event === "refund.succeeded") {
      const refund = this.storedRefunds.get(id) ?? this.refunds.findLast((r) => r.payment_id === id);
      if (!refund) throw new Error(`No refund ${id} and no refund of payment ${id}`);
      return this.notifyForged(webhookUrl, { type: "notification", event, object: refund }, headers);
    }
    const payment = this.mustFind(id).object;
    if (`payment.${payment.status}` !== event) throw new Error(`Payment ${id} is ${payment.status}, YooKassa would not send ${event}`);
    return this.notifyForged(webhookUrl, { type: "notification", event, object: payment }, headers);
  }

  /**
   * Posts any body to the webhook (forged or malformed notifications); `headers` stand for what a
   * reverse proxy adds (X-Forwarded-For). Returns the HTTP status.
   */
  async notifyForged(webhookUrl: string, body: unknown, headers: Record<string, string> = {}): Promise<number> {
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
    });
    await response.arrayBuffer();
    return response.status;
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const raw = await readText(req);
    const checkout = /^\/checkout\/([\w-]+)$/.exec(path);
    if (checkout && req.method === "GET") {
      // So that a confirmation_url opened in a browser test shows something.
      res.writeHead(200, { "content-type": "text/html; charset=utf-8" });
      res.end(`<!doctype html><title>Fake YooKassa checkout</title><h1>Fake YooKassa checkout</h1><p>Payment ${checkout[1]}</p>`);
      return;
    }
    const key = req.headers["idempotence-key"];
    const idempotenceKey = Array.isArray(key) ? key[0] : key;
    const call: YooKassaCall = { method: req.method ?? "GET", path, idempotenceKey, body: parseOrRaw(raw), at: Date.now() };
    this.calls.push(call);
    let status = 200;
    let answer: unknown;
    try {
      answer = this.answer(req, path, raw, idempotenceKey);
    } catch (error) {
      const e = error instanceof YooKassaError ? error : new YooKassaError(500, "internal_server_error", String(error));
      status = e.status;
      answer = {
        type: "error",
        id: randomUUID(),
        code: e.code,
        description: e.message,
        ...(e.parameter ? { parameter: e.parameter } : {}),
      };
    }
    call.status = status;
    res.writeHead(status, { "content-type": "application/json" });
    res.end(JSON.stringify(answer));
  }

  private answer(req: IncomingMessage, path: string, raw: string, key: string | undefined): unknown {
    this.authenticate(req.headers.authorization);
    const method = req.method ?? "GET";
    const paymentPath = /^\/v3\/payments\/([^/]+)(\/cancel)?$/.exec(path);
    const refundPath = /^\/v3\/refunds\/([^/]+)$/.exec(path);
    if (refundPath) {
      if (method !== "GET") throw new YooKassaError(405, "invalid_request", `Method ${method} is not allowed for ${path}`);
      const refund = this.storedRefunds.get(refundPath[1] ?? "");
      if (!refund) throw new YooKassaError(404, "not_found", `Refund ${refundPath[1]} not found`);
      return refund;
    }
    const route =
      path === "/v3/payments"
        ? "create"
        : path === "/v3/refunds"
          ? "refund"
          : paymentPath
            ? paymentPath[2]
              ? "cancel"
              : "get"
            : undefined;
    if (!route) throw new YooKassaError(404, "not_found", `The fake does not serve ${method} ${path}`);
    if (route === "get") {
      if (method !== "GET") throw new YooKassaError(405, "invalid_request", `Method ${method} is not allowed for ${path}`);
      return this.find(paymentPath?.[1] ?? "").object;
    }
    if (method !== "POST") throw new YooKassaError(405, "invalid_request", `Method ${method} is not allowed for ${path}`);
    if (!/^application\/json\b/.test(req.headers["content-type"] ?? "")) {
      throw new YooKassaError(415, "invalid_request", "Content-Type must be application/json");
    }
    if (!key) throw invalid("Idempotence-Key header is required for POST requests", "Idempotence-Key");
    if (key.length > 64) throw invalid("Idempotence-Key is longer than 64 characters", "Idempotence-Key");
    if (route === "create" && this.failures.count > 0) {
      this.failures.count--;
      const code = this.failures.status === 429 ? "too_many_requests" : "internal_server_error";
      throw new YooKassaError(this.failures.status, code, "Injected failure: nothing was processed");
    }
    const body = parseObject(raw);
    const used = this.useKey(key, `${path} ${canonical(body)}`, () => {
      if (route === "create") return { kind: "payment", id: this.createPayment(body) };
      if (route === "refund") return { kind: "refund", id: this.createRefund(body) };
      return { kind: "payment", id: this.cancelByMerchant(paymentPath?.[1] ?? "") };
    });
    if (route === "create" && this.lostResponses > 0) {
      this.lostResponses--;
      throw new YooKassaError(500, "internal_server_error", "Injected failure: the payment was created but the response was lost");
    }
    // A replay answers the object as it is now (same id), not a second object.
    return used.kind === "payment" ? this.find(used.id).object : this.storedRefunds.get(used.id);
  }

  private authenticate(header: string | undefined): void {
    const expected = `Basic ${Buffer.from(`${this.shopId}:${this.secretKey}`).toString("base64")}`;
    if (header !== expected) {
      throw new YooKassaError(401, "invalid_credentials", "Authentication failed: use HTTP Basic with shopId:secretKey");
    }
  }

  /**
   * Same key and same request: the first result again. Same key, other request: an error, as
   * YooKassa refuses a key reused with other parameters. A refused request leaves its key unused,
   * so the corrected request may take it. Keys live as long as the fake (YooKassa: 24 hours).
   */
  private useKey(key: string, fingerprint: string, run: () => Omit<UsedKey, "fingerprint">): UsedKey {
    const seen = this.usedKeys.get(key);
    if (seen) {
      if (seen.fingerprint !== fingerprint) {
        throw invalid(`Idempotence-Key ${key} was already used with other parameters or another operation`, "Idempotence-Key");
      }
      return seen;
    }
    const used = { fingerprint, ...run() };
    this.usedKeys.set(key, used);
    return used;
  }

  private createPayment(body: Record<string, unknown>): string {
    const amount = checkAmount(body.amount, "amount");
    if (body.capture !== undefined && typeof body.capture !== "boolean") throw invalid("capture must be a boolean", "capture");
    const confirmation = body.confirmation as Record<string, unknown> | undefined;
    // Only redirect is supported: the app sends the customer to confirmation_url.
    if (!isObject(confirmation) || confirmation.type !== "redirect")
      throw invalid("confirmation of type redirect is required", "confirmation");
    const returnUrl = confirmation.return_url;
    if (typeof returnUrl !== "string" || returnUrl.length > 2048 || !/^[a-z][\w+.-]*:\/\/\S+$/i.test(returnUrl)) {
      throw invalid("confirmation.return_url must be a URL of at most 2048 characters", "confirmation.return_url");
    }
    const description = body.description;
    if (description !== undefined && (typeof description !== "string" || description.length > 128)) {
      throw invalid("description must be a string of at most 128 characters", "description");
    }
    if (body.metadata !== undefined) checkMetadata(body.metadata);
    if (body.receipt !== undefined) checkReceipt(body.receipt, toKopecks(amount.value));
    const id = randomUUID();
    const payment: YooKassaPayment = {
      id,
      status: "pending",
      paid: false,
      amount: { value: amount.value, currency: amount.currency },
      ...(description !== undefined ? { description } : {}),
      ...(body.metadata !== undefined ? { metadata: body.metadata as Record<string, string> } : {}),
      created_at: new Date().toISOString(),
      confirmation: { type: "redirect", return_url: returnUrl, confirmation_url: `${this.url}/checkout/${id}` },
      test: true,
      refundable: false,
      recipient: { account_id: this.shopId, gateway_id: "100500" },
    };
    this.stored.set(id, { object: payment, capture: body.capture !== false, refunded: 0 });
    return id;
  }

  private createRefund(body: Record<string, unknown>): string {
    if (typeof body.payment_id !== "string") throw invalid("payment_id is required", "payment_id");
    const stored = this.stored.get(body.payment_id);
    if (!stored) throw invalid(`Payment ${body.payment_id} does not exist`, "payment_id");
    const amount = checkAmount(body.amount, "amount");
    const description = body.description;
    if (description !== undefined && (typeof description !== "string" || description.length > 250)) {
      throw invalid("description must be a string of at most 250 characters", "description");
    }
    const payment = stored.object;
    if (payment.status !== "succeeded")
      throw invalid(`Payment ${payment.id} is ${payment.status}, only a succeeded payment can be refunded`);
    if (amount.currency !== payment.amount.currency) throw invalid("Refund currency differs from the payment's", "amount.currency");
    const left = toKopecks(payment.amount.value) - stored.refunded;
    if (toKopecks(amount.value) > left) throw invalid(`Refund exceeds what is left to refund (${fromKopecks(left)})`, "amount.value");
    stored.refunded += toKopecks(amount.value);
    payment.refunded_amount = { value: fromKopecks(stored.refunded), currency: payment.amount.currency };
    payment.refundable = stored.refunded < toKopecks(payment.amount.value);
    const refund: YooKassaRefund = {
      id: randomUUID(),
      payment_id: payment.id,
      status: "succeeded",
      amount: { value: amount.value, currency: amount.currency },
      ...(description !== undefined ? { description } : {}),
      created_at: new Date().toISOString(),
    };
    this.storedRefunds.set(refund.id, refund);
    return refund.id;
  }

  /** A refund made by hand in the shop's dashboard (not through the API): the app hears of it by notification only. */
  refundInDashboard(paymentId: string, value: string): YooKassaRefund {
    const payment = this.mustFind(paymentId).object;
    const id = this.createRefund({ payment_id: paymentId, amount: { value, currency: payment.amount.currency } });
    return structuredClone(this.storedRefunds.get(id) as YooKassaRefund);
  }

  private cancelByMerchant(paymentId: string): string {
    const payment = this.find(paymentId).object;
    if (payment.status !== "pending" && payment.status !== "waiting_for_capture") {
      throw invalid(`Payment ${paymentId} is ${payment.status} and cannot be canceled`);
    }
    payment.status = "canceled";
    payment.cancellation_details = { party: "merchant", reason: "canceled_by_merchant" };
    return paymentId;
  }

  private find(id: string): StoredPayment {
    const stored = this.stored.get(id);
    if (!stored) throw new YooKassaError(404, "not_found", `Payment ${id} not found`);
    return stored;
  }

  /** For test controls: a wrong id is the test's mistake, not an API answer. */
  private mustFind(id: string): StoredPayment {
    const stored = this.stored.get(id);
    if (!stored) throw new Error(`No payment ${id} in the fake YooKassa`);
    return stored;
  }
}

/** An amount object whose value is a string with exactly two decimals, above zero, in an ISO 4217 currency. */
function checkAmount(amount: unknown, parameter: string): YooKassaAmount {
  if (!isObject(amount)) throw invalid(`${parameter} must be an object { value, currency }`, parameter);
  if (typeof amount.value !== "string" || !/^\d+\.\d{2}$/.test(amount.value)) {
    throw invalid(`${parameter}.value must be a string like "100.00"`, `${parameter}.value`);
  }
  if (toKopecks(amount.value) <= 0) throw invalid(`${parameter}.value must be above zero`, `${parameter}.value`);
  if (typeof amount.currency !== "string" || !/^[A-Z]{3}$/.test(amount.currency)) {
    throw invalid(`${parameter}.currency must be an ISO 4217 code like RUB`, `${parameter}.currency`);
  }
  return { value: amount.value, currency: amount.currency };
}

function checkMetadata(metadata: unknown): void {
  if (!isObject(metadata)) throw invalid("metadata must be an object", "metadata");
  const entries = Object.entries(metadata);
  if (entries.length > 16) throw invalid("metadata may have at most 16 keys", "metadata");
  for (const [key, value] of entries) {
    if (key.length > 32) throw invalid(`metadata key ${key} is longer than 32 characters`, "metadata");
    if (typeof value !== "string" || value.length > 512)
      throw invalid(`metadata.${key} must be a string of at most 512 characters`, "metadata");
  }
}

/** A 54-FZ receipt: a contact for the customer and items whose total is the payment's amount. */
function checkReceipt(receipt: unknown, paymentKopecks: number): void {
  if (!isObject(receipt)) throw invalid("receipt must be an object", "receipt");
  const customer = receipt.customer;
  if (!isObject(customer) || (typeof customer.email !== "string" && typeof customer.phone !== "string")) {
    throw invalid("receipt.customer needs an email or a phone to send the receipt to", "receipt.customer");
  }
  const items = receipt.items;
  if (!Array.isArray(items) || items.length === 0) throw invalid("receipt.items must be a non-empty array", "receipt.items");
  let total = 0;
  items.forEach((item: unknown, i) => {
    const at = `receipt.items[${i}]`;
    if (!isObject(item)) throw invalid(`${at} must be an object`, at);
    if (typeof item.description !== "string" || item.description.length === 0 || item.description.length > 128) {
      throw invalid(`${at}.description must be 1–128 characters`, `${at}.description`);
    }
    const quantity = typeof item.quantity === "string" && /^\d+(\.\d+)?$/.test(item.quantity) ? Number(item.quantity) : item.quantity;
    if (typeof quantity !== "number" || !(quantity > 0)) throw invalid(`${at}.quantity must be a positive number`, `${at}.quantity`);
    const price = checkAmount(item.amount, `${at}.amount`);
    if (!Number.isInteger(item.vat_code) || (item.vat_code as number) < 1 || (item.vat_code as number) > 6) {
      throw invalid(`${at}.vat_code must be an integer 1–6`, `${at}.vat_code`);
    }
    for (const field of ["payment_mode", "payment_subject"]) {
      if (item[field] !== undefined && typeof item[field] !== "string") throw invalid(`${at}.${field} must be a string`, `${at}.${field}`);
    }
    total += Math.round(toKopecks(price.value) * quantity);
  });
  // item.amount is the unit price; the receipt must add up to what the customer pays.
  if (total !== paymentKopecks) throw invalid(`receipt items add up to ${fromKopecks(total)}, not the payment amount`, "receipt.items");
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Integer kopecks, so sums and comparisons have no floating point error. */
function toKopecks(value: string): number {
  const [whole = "0", fraction = "00"] = value.split(".");
  return Number(whole) * 100 + Number(fraction);
}

function fromKopecks(kopecks: number): string {
  return `${Math.floor(kopecks / 100)}.${String(kopecks % 100).padStart(2, "0")}`;
}

/** JSON with sorted keys: a retry whose body differs only in key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

function parseObject(raw: string): Record<string, unknown> {
  const body = parseOrRaw(raw);
  if (!isObject(body)) throw invalid("The request body must be a JSON object");
  return body;
}

function parseOrRaw(raw: string): unknown {
  if (raw === "") return undefined;
  try {
    return JSON.parse(raw);
  } catch {
    return raw;
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
