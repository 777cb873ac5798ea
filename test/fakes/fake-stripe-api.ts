import { createHmac, randomBytes } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { LocalHttpServer } from "./local-http-server.ts";

export type StripeSessionStatus = "open" | "complete" | "expired";

/** The part of a Checkout Session (https://docs.stripe.com/api/checkout/sessions/object) the fake models. */
export interface StripeCheckoutSession {
  id: string;
  object: "checkout.session";
  mode: "payment";
  status: StripeSessionStatus;
  payment_status: "unpaid" | "paid";
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  customer_email: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string | null;
  /** The hosted page; null once the session is no longer open, as in Stripe. */
  url: string | null;
  created: number;
  expires_at: number;
  payment_intent: string | null;
  livemode: false;
}

export interface StripeRefund {
  id: string;
  object: "refund";
  amount: number;
  currency: string;
  payment_intent: string;
  reason: string | null;
  metadata: Record<string, string>;
  status: "succeeded";
  created: number;
}

export interface StripeCall {
  method: string;
  path: string;
  idempotencyKey: string | undefined;
  /** The form body (POST) or query (GET) parsed from bracket notation; undefined if it could not be parsed. */
  params: Record<string, unknown> | undefined;
  /** HTTP status the fake answered with; 0 if the connection was cut (`loseNextResponse`). */
  status: number;
  /** True when the answer was a saved response replayed for an Idempotency-Key. */
  replayed: boolean;
  /** When the call arrived (ms since epoch). */
  at: number;
}

export type StripeEventType = "checkout.session.completed" | "checkout.session.expired" | "checkout.session.async_payment_succeeded";

export interface StripeSendEventOptions {
  /** Sign with this secret instead of the webhook's (a forged or misconfigured sender). */
  signWith?: string;
  /** Unix seconds put in the signature, e.g. an old one to test the tolerance window. */
  timestamp?: number;
  /** A raw body sent (and signed) instead of the generated event. */
  body?: string;
}

type ErrorType = "invalid_request_error" | "idempotency_error" | "api_error";

/** Answered with Stripe's error shape: { error: { type, message, code?, param? } }. */
class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: ErrorType,
    message: string,
    readonly code?: string,
    readonly param?: string,
    /** Refused after the endpoint began executing: Stripe saves such an answer under the Idempotency-Key. */
    readonly saved = false,
  ) {
    super(message);
  }
}

const invalid = (message: string, param?: string, code?: string) => new StripeApiError(400, "invalid_request_error", message, code, param);
const missing = (param: string) => invalid(`Missing required param: ${param}.`, param, "parameter_missing");

interface StoredSession {
  object: StripeCheckoutSession;
  lineItems: Array<{ name: string; quantity: number; unitAmount: number }>;
  /** Paid by a delayed method (e.g. a bank debit): complete but unpaid until `asyncPaymentSucceeded`. */
  asyncPayment: boolean;
  refunded: number;
}

/** What an Idempotency-Key was first used for, and the answer Stripe saved for it. */
interface SavedAnswer {
  fingerprint: string;
  status: number;
  body: string;
  requestId: string;
}

interface Answer {
  status: number;
  body: string;
  requestId: string;
  replayed: boolean;
}

const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 60 * 60;
/** Stripe's largest amount for most currencies: eight digits of minor units. */
const MAX_AMOUNT = 99_999_999;

/**
 * A local Stripe API (https://docs.stripe.com/api) for tests, spoken to by the official `stripe`
 * SDK configured with host 127.0.0.1, the fake's port and protocol http. It speaks Stripe's wire
 * format (form bodies in bracket notation, JSON answers, Stripe's error shape) and enforces the
 * contract a real integration must respect, because a fake that accepts anything proves nothing:
 * Bearer auth, Checkout Session limits, Idempotency-Key replay rules and refunds of paid sessions
 * only. Tests drive the customer's side with `complete`, `expire` and `sendEvent`.
 */
export class FakeStripeApi extends LocalHttpServer {
  readonly calls: StripeCall[] = [];
  private readonly secretKey: string;
  private readonly apiVersion: string;
  private readonly stored = new Map<string, StoredSession>();
  private readonly byPaymentIntent = new Map<string, StoredSession>();
  private readonly storedRefunds: StripeRefund[] = [];
  private readonly savedAnswers = new Map<string, SavedAnswer>();
  private failures: { count: number; status: number } = { count: 0, status: 500 };
  private lostResponses = 0;

  constructor(options: { secretKey?: string; apiVersion?: string } = {}) {
    super();
    this.secretKey = options.secretKey ?? "sk_test_orkestr";
    this.apiVersion = options.apiVersion ?? "2025-09-30.clover";
  }

  /** Every session in creation order, as GET /v1/checkout/sessions/:id would show it now (copies). */
  get sessions(): StripeCheckoutSession[] {
    return [...this.stored.values()].map((s) => structuredClone(this.refresh(s).object));
  }

  get refunds(): StripeRefund[] {
    return structuredClone(this.storedRefunds);
  }

  session(id: string): StripeCheckoutSession | undefined {
    const stored = this.stored.get(id);
    return stored && structuredClone(this.refresh(stored).object);
  }

  /**
   * The customer paid on the checkout page. With `asyncPayment` the payment method is a delayed one:
   * the session completes unpaid and becomes paid with `asyncPaymentSucceeded`.
   */
  complete(sessionId: string, options: { asyncPayment?: boolean } = {}): StripeCheckoutSession {
    const stored = this.mustFind(sessionId);
    const session = stored.object;
    if (session.status !== "open") throw new Error(`Session ${sessionId} is ${session.status}, only an open one can be paid`);
    session.status = "complete";
    session.payment_status = options.asyncPayment ? "unpaid" : "paid";
    session.payment_intent = randomId("pi_");
    session.url = null;
    stored.asyncPayment = options.asyncPayment === true;
    this.byPaymentIntent.set(session.payment_intent, stored);
    return structuredClone(session);
  }

  /** The delayed payment of a session completed with `asyncPayment` arrived. */
  asyncPaymentSucceeded(sessionId: string): StripeCheckoutSession {
    const stored = this.mustFind(sessionId);
    const session = stored.object;
    if (session.status !== "complete" || !stored.asyncPayment || session.payment_status === "paid") {
      throw new Error(`Session ${sessionId} has no delayed payment waiting (status ${session.status}, ${session.payment_status})`);
    }
    session.payment_status = "paid";
    return structuredClone(session);
  }

  /** Stripe expires an open session itself once expires_at passes (or the merchant expires it). */
  expire(sessionId: string): StripeCheckoutSession {
    const session = this.mustFind(sessionId).object;
    if (session.status !== "open") throw new Error(`Session ${sessionId} is ${session.status}, only an open one can expire`);
    session.status = "expired";
    session.url = null;
    return structuredClone(session);
  }

  /** The next `count` API POSTs answer `status` with an api_error and create nothing (an outage before processing). */
  failNext(count: number, status = 500): void {
    this.failures = { count, status };
  }

  /**
   * The next `count` API POSTs are processed (the object exists, the Idempotency-Key is spent) but the
   * connection is cut before the answer, as when the network drops: only a retry with the same key
   * avoids a duplicate. The SDK retries such a request with the key it generated.
   */
  loseNextResponse(count: number): void {
    this.lostResponses = count;
  }

  /**
   * Posts a signed event to the app as Stripe does, with the session as it is now. Refuses events the
   * session's state does not justify; `options.body` sends any raw body instead (forged or malformed
   * events), signed all the same. Returns the app's HTTP status and the event id ("" for a raw body without one).
   */
  async sendEvent(
    webhookUrl: string,
    type: StripeEventType,
    sessionId: string,
    webhookSecret: string,
    options: StripeSendEventOptions = {},
  ): Promise<{ status: number; eventId: string }> {
    let body = options.body;
    let eventId = "";
    if (body === undefined) {
      const stored = this.mustFind(sessionId);
      this.refresh(stored);
      const session = stored.object;
      const justified =
        type === "checkout.session.completed"
          ? session.status === "complete"
          : type === "checkout.session.expired"
            ? session.status === "expired"
            : session.status === "complete" && stored.asyncPayment && session.payment_status === "paid";
      if (!justified)
        throw new Error(`Session ${sessionId} is ${session.status} (${session.payment_status}), Stripe would not send ${type}`);
      eventId = randomId("evt_");
      const event = {
        id: eventId,
        object: "event",
        api_version: this.apiVersion,
        created: nowSeconds(),
        data: { object: session },
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        type,
      };
      // Pretty-printed like Stripe's bodies, so an app that verifies a re-serialized body instead of the raw one fails.
      body = JSON.stringify(event, null, 2);
    } else {
      eventId = eventIdOf(body);
    }
    const timestamp = options.timestamp ?? nowSeconds();
    const signature = createHmac("sha256", options.signWith ?? webhookSecret)
      .update(`${timestamp}.${body}`)
      .digest("hex");
    const response = await fetch(webhookUrl, {
      method: "POST",
      headers: {
        "content-type": "application/json; charset=utf-8",
        "stripe-signature": `t=${timestamp},v1=${signature}`,
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
      },
      body,
    });
    await response.arrayBuffer();
    return { status: response.status, eventId };
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://x");
      const raw = await readText(req);
      if (url.pathname.startsWith("/pay/")) {
        this.checkoutPage(req, res, decodeURIComponent(url.pathname.slice("/pay/".length)));
        return;
      }
      this.api(req, res, url, raw);
    } catch (error) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end(String(error));
    }
  }

  private api(req: IncomingMessage, res: ServerResponse, url: URL, raw: string): void {
    const method = req.method ?? "GET";
    const key = headerValue(req.headers["idempotency-key"]) || undefined;
    const call: StripeCall = {
      method,
      path: url.pathname,
      idempotencyKey: key,
      params: undefined,
      status: 0,
      replayed: false,
      at: Date.now(),
    };
    this.calls.push(call);
    let answer: Answer;
    let lose = false;
    try {
      this.authenticate(req.headers.authorization);
      if (method === "POST" && this.failures.count > 0) {
        this.failures.count--;
        throw new StripeApiError(this.failures.status, "api_error", "Injected failure: the request was not processed");
      }
      const params = this.parseParams(req, url, raw);
      call.params = params;
      answer = this.route(method, url.pathname, params, key);
      if (method === "POST" && this.lostResponses > 0) {
        this.lostResponses--;
        lose = true;
      }
    } catch (error) {
      const e = error instanceof StripeApiError ? error : new StripeApiError(500, "api_error", String(error));
      answer = { status: e.status, body: errorBody(e), requestId: randomId("req_", 14), replayed: false };
    }
    call.replayed = answer.replayed;
    if (lose) {
      // The work is done and saved; only the answer is lost.
      req.socket.destroy();
      return;
    }
    call.status = answer.status;
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "request-id": answer.requestId,
      "stripe-version": headerValue(req.headers["stripe-version"]) ?? this.apiVersion,
    };
    if (key !== undefined && method === "POST") headers["idempotency-key"] = key;
    if (answer.replayed) {
      headers["idempotent-replayed"] = "true";
      headers["original-request"] = answer.requestId;
    }
    res.writeHead(answer.status, headers);
    res.end(answer.body);
  }

  private authenticate(header: string | undefined): void {
    if (header === `Bearer ${this.secretKey}`) return;
    const given = /^Bearer (.+)$/.exec(header ?? "")?.[1];
    // Masked like Stripe does, so a log of the answer does not leak the key that was sent.
    const shown = !given ? "(none)" : given.length > 12 ? `${given.slice(0, 8)}***${given.slice(-4)}` : "***";
    throw new StripeApiError(
      401,
      "invalid_request_error",
      `Invalid API Key provided: ${shown}. Send it as Authorization: Bearer <secret key>.`,
    );
  }

  private parseParams(req: IncomingMessage, url: URL, raw: string): Record<string, unknown> {
    if (req.method !== "POST") return parseForm(url.search.slice(1));
    const type = req.headers["content-type"] ?? "";
    if (raw !== "" && !/^application\/x-www-form-urlencoded\b/.test(type)) {
      throw invalid(`Invalid request: the body must be application/x-www-form-urlencoded, not ${type || "untyped"}.`);
    }
    return parseForm(raw);
  }

  private route(method: string, path: string, params: Record<string, unknown>, key: string | undefined): Answer {
    const sessionPath = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (method === "GET" && sessionPath) {
      // GET is safe to repeat: Stripe ignores an Idempotency-Key on it.
      const body = this.retrieveSession(decodeURIComponent(sessionPath[1] ?? ""), params);
      return { status: 200, body: JSON.stringify(body), requestId: randomId("req_", 14), replayed: false };
    }
    if (method === "POST" && path === "/v1/checkout/sessions")
      return this.idempotent(key, method, path, params, () => this.createSession(params));
    if (method === "POST" && path === "/v1/refunds") return this.idempotent(key, method, path, params, () => this.createRefund(params));
    throw new StripeApiError(
      404,
      "invalid_request_error",
      `Unrecognized request URL (${method}: ${path}). The fake serves only Checkout Sessions and refunds.`,
    );
  }

  /**
   * Stripe v1 saves the status and body of the first request with a key once the endpoint began
   * executing, and replays them for a retry with the same parameters; other parameters or another
   * endpoint under the same key are an idempotency_error. A request refused by parameter validation
   * (or an injected outage) saves nothing, so the corrected request, or the SDK's retry, may take the key.
   */
  private idempotent(key: string | undefined, method: string, path: string, params: Record<string, unknown>, run: () => Plan): Answer {
    const requestId = randomId("req_", 14);
    const fingerprint = `${method} ${path} ${canonical(params)}`;
    if (key !== undefined) {
      if (key.length > 255) throw invalid("Idempotency-Key must be at most 255 characters long.");
      const saved = this.savedAnswers.get(key);
      if (saved) {
        if (saved.fingerprint !== fingerprint) {
          throw new StripeApiError(
            400,
            "idempotency_error",
            `Keys for idempotent requests can only be used with the same endpoint and parameters they were first used with; key '${key}' was first used for ${saved.fingerprint.split(" ", 2).join(" ")} with other parameters.`,
          );
        }
        return { status: saved.status, body: saved.body, requestId: saved.requestId, replayed: true };
      }
    }
    const plan = run();
    let answer: Answer;
    try {
      answer = { status: 200, body: JSON.stringify(plan()), requestId, replayed: false };
    } catch (error) {
      if (!(error instanceof StripeApiError && error.saved)) throw error;
      answer = { status: error.status, body: errorBody(error), requestId, replayed: false };
    }
    if (key !== undefined) this.savedAnswers.set(key, { fingerprint, status: answer.status, body: answer.body, requestId });
    return answer;
  }

  private createSession(params: Record<string, unknown>): Plan {
    checkKnown(params, [
      "mode",
      "line_items",
      "success_url",
      "cancel_url",
      "client_reference_id",
      "metadata",
      "customer_email",
      "expires_at",
      "expand",
    ]);
    const mode = requiredString(params.mode, "mode");
    if (mode !== "payment") throw invalid(`Invalid mode: the fake supports only "payment", not "${mode}".`, "mode");
    if (params.line_items === undefined) throw missing("line_items");
    const items = array(params.line_items, "line_items");
    if (items.length === 0) throw invalid("line_items must have at least one item.", "line_items", "parameter_invalid_empty");
    let currency = "";
    let total = 0;
    const lineItems = items.map((item, i) => {
      const at = `line_items[${i}]`;
      const fields = object(item, at);
      if (fields.price !== undefined) throw invalid("The fake accepts only price_data, not Price ids.", `${at}[price]`);
      checkKnown(fields, ["price_data", "quantity"], at);
      const quantity = integer(fields.quantity, `${at}[quantity]`);
      if (quantity < 1) throw invalid("Quantity must be at least 1.", `${at}[quantity]`);
      if (fields.price_data === undefined) throw missing(`${at}[price_data]`);
      const price = object(fields.price_data, `${at}[price_data]`);
      checkKnown(price, ["currency", "unit_amount", "product_data"], `${at}[price_data]`);
      const itemCurrency = requiredString(price.currency, `${at}[price_data][currency]`);
      if (!/^[a-z]{3}$/.test(itemCurrency)) {
        throw invalid(`Invalid currency: ${itemCurrency}. Use a lowercase ISO 4217 code like rub.`, `${at}[price_data][currency]`);
      }
      if (currency && itemCurrency !== currency) {
        throw invalid(`All line items must use the same currency (${currency}).`, `${at}[price_data][currency]`);
      }
      currency = itemCurrency;
      // Minor units (kopecks, cents): "49.90" is a common mistake, refused like Stripe does.
      const unitAmount = integer(price.unit_amount, `${at}[price_data][unit_amount]`);
      if (unitAmount < 1) throw invalid("unit_amount must be at least 1 (minor units).", `${at}[price_data][unit_amount]`);
      if (price.product_data === undefined) throw missing(`${at}[price_data][product_data]`);
      const product = object(price.product_data, `${at}[price_data][product_data]`);
      checkKnown(product, ["name", "description"], `${at}[price_data][product_data]`);
      const name = requiredString(product.name, `${at}[price_data][product_data][name]`);
      optionalString(product.description, `${at}[price_data][product_data][description]`);
      total += unitAmount * quantity;
      return { name, quantity, unitAmount };
    });
    if (!Number.isSafeInteger(total) || total > MAX_AMOUNT) {
      throw invalid(`The session's total (${total}) is above the maximum of ${MAX_AMOUNT} minor units.`, "line_items");
    }
    const successUrl = absoluteUrl(requiredString(params.success_url, "success_url"), "success_url");
    const cancelUrl = optionalString(params.cancel_url, "cancel_url");
    if (cancelUrl !== undefined) absoluteUrl(cancelUrl, "cancel_url");
    const reference = optionalString(params.client_reference_id, "client_reference_id");
    if (reference !== undefined && reference.length > 200) {
      throw invalid("client_reference_id must be at most 200 characters.", "client_reference_id");
    }
    const metadata = checkMetadata(params.metadata);
    const email = optionalString(params.customer_email, "customer_email");
    if (email !== undefined && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) {
      throw invalid(`Invalid email address: ${email}`, "customer_email", "email_invalid");
    }
    const now = nowSeconds();
    let expiresAt = now + MAX_EXPIRY_SECONDS;
    if (params.expires_at !== undefined && params.expires_at !== "") {
      expiresAt = integer(params.expires_at, "expires_at");
      if (expiresAt < now + MIN_EXPIRY_SECONDS || expiresAt > now + MAX_EXPIRY_SECONDS) {
        throw invalid("expires_at must be between 30 minutes and 24 hours from now (unix seconds).", "expires_at");
      }
    }
    const expand = checkExpand(params.expand, ["payment_intent"]);
    return () => {
      const id = randomId("cs_test_", 58);
      const session: StripeCheckoutSession = {
        id,
        object: "checkout.session",
        mode: "payment",
        status: "open",
        payment_status: "unpaid",
        amount_subtotal: total,
        amount_total: total,
        currency,
        client_reference_id: reference ?? null,
        customer_email: email ?? null,
        metadata,
        success_url: successUrl,
        cancel_url: cancelUrl ?? null,
        url: `${this.url}/pay/${id}`,
        created: now,
        expires_at: expiresAt,
        payment_intent: null,
        livemode: false,
      };
      const stored: StoredSession = { object: session, lineItems, asyncPayment: false, refunded: 0 };
      this.stored.set(id, stored);
      return this.view(stored, expand);
    };
  }

  private retrieveSession(id: string, params: Record<string, unknown>): unknown {
    checkKnown(params, ["expand"]);
    const expand = checkExpand(params.expand, ["payment_intent"]);
    const stored = this.stored.get(id);
    if (!stored) throw new StripeApiError(404, "invalid_request_error", `No such checkout.session: '${id}'`, "resource_missing", "session");
    return this.view(this.refresh(stored), expand);
  }

  private createRefund(params: Record<string, unknown>): Plan {
    checkKnown(params, ["payment_intent", "amount", "reason", "metadata", "expand"]);
    const paymentIntent = requiredString(params.payment_intent, "payment_intent");
    const amount = params.amount === undefined || params.amount === "" ? undefined : integer(params.amount, "amount");
    if (amount !== undefined && amount < 1) throw invalid("amount must be a positive integer (minor units).", "amount");
    const reason = optionalString(params.reason, "reason");
    if (reason !== undefined && !["duplicate", "fraudulent", "requested_by_customer"].includes(reason)) {
      throw invalid("Invalid reason: must be one of duplicate, fraudulent or requested_by_customer.", "reason");
    }
    const metadata = checkMetadata(params.metadata);
    checkExpand(params.expand, []);
    const stored = this.byPaymentIntent.get(paymentIntent);
    if (!stored) throw invalid(`No such payment_intent: '${paymentIntent}'`, "payment_intent", "resource_missing");
    return () => {
      // From here the endpoint is executing: a refusal is saved under the Idempotency-Key.
      const session = stored.object;
      const refused = (message: string, code?: string, param?: string) =>
        new StripeApiError(400, "invalid_request_error", message, code, param, true);
      if (session.payment_status !== "paid") throw refused(`PaymentIntent ${paymentIntent} has no successful payment to refund yet.`);
      const left = session.amount_total - stored.refunded;
      if (left === 0) throw refused(`The payment of ${paymentIntent} has already been refunded.`, "charge_already_refunded");
      const refundAmount = amount ?? left;
      if (refundAmount > left) {
        throw refused(`Refund amount (${refundAmount}) is greater than the unrefunded amount (${left}).`, "amount_too_large", "amount");
      }
      stored.refunded += refundAmount;
      const refund: StripeRefund = {
        id: randomId("re_"),
        object: "refund",
        amount: refundAmount,
        currency: session.currency,
        payment_intent: paymentIntent,
        reason: reason ?? null,
        metadata,
        status: "succeeded",
        created: nowSeconds(),
      };
      this.storedRefunds.push(refund);
      return refund;
    };
  }

  /** The session as the API shows it, with payment_intent expanded to an object when asked. */
  private view(stored: StoredSession, expand: string[]): unknown {
    const session = structuredClone(stored.object);
    if (!expand.includes("payment_intent") || session.payment_intent === null) return session;
    return {
      ...session,
      payment_intent: {
        id: session.payment_intent,
        object: "payment_intent",
        amount: session.amount_total,
        amount_received: session.payment_status === "paid" ? session.amount_total : 0,
        currency: session.currency,
        status: session.payment_status === "paid" ? "succeeded" : "processing",
        metadata: {},
        livemode: false,
      },
    };
  }

  /** An open session past its expires_at is expired, as Stripe would have done by then. */
  private refresh(stored: StoredSession): StoredSession {
    const session = stored.object;
    if (session.status === "open" && nowSeconds() >= session.expires_at) {
      session.status = "expired";
      session.url = null;
    }
    return stored;
  }

  /** A tiny hosted checkout: GET shows the order, POST pays and redirects to success_url like Stripe. */
  private checkoutPage(req: IncomingMessage, res: ServerResponse, id: string): void {
    const page = this.checkoutAnswer(req.method ?? "GET", id);
    res.writeHead(page.status, { "content-type": "text/html; charset=utf-8", ...page.headers });
    res.end(`<!doctype html><title>Fake Stripe Checkout</title><h1>Fake Stripe Checkout</h1>${page.body}`);
  }

  private checkoutAnswer(method: string, id: string): { status: number; body: string; headers?: Record<string, string> } {
    const stored = this.stored.get(id);
    if (!stored) return { status: 404, body: `<p>No such session ${escapeHtml(id)}</p>` };
    const session = this.refresh(stored).object;
    if (method === "POST") {
      if (session.status !== "open") return { status: 409, body: `<p>This session is ${session.status}.</p>` };
      this.complete(id);
      // Stripe fills the {CHECKOUT_SESSION_ID} template so the success page knows which session it was.
      const location = session.success_url.replaceAll("{CHECKOUT_SESSION_ID}", id);
      return { status: 303, body: `<p><a href="${escapeHtml(location)}">Continue</a></p>`, headers: { location } };
    }
    const items = stored.lineItems
      .map((item) => `<li>${escapeHtml(item.name)} × ${item.quantity}: ${item.unitAmount * item.quantity} ${session.currency}</li>`)
      .join("");
    const pay =
      session.status === "open"
        ? `<form method="post"><button type="submit">Pay ${session.amount_total} ${session.currency}</button></form>`
        : `<p>This session is ${session.status}.</p>`;
    return { status: 200, body: `<p>Session ${escapeHtml(id)} (amounts in minor units)</p><ul>${items}</ul>${pay}` };
  }

  /** For test controls: a wrong id is the test's mistake, not an API answer. */
  private mustFind(id: string): StoredSession {
    const stored = this.stored.get(id);
    if (!stored) throw new Error(`No session ${id} in the fake Stripe`);
    return this.refresh(stored);
  }
}

/** Validation done, the work itself: what runs once per Idempotency-Key. */
type Plan = () => unknown;

/**
 * Stripe's form encoding: `a[b][0][c]=v` is { a: { b: [{ c: "v" }] } }, `a[]=v` appends. Objects whose
 * keys are 0..n-1 become arrays. Brackets may come percent-encoded or not; all values are strings.
 */
function parseForm(text: string): Record<string, unknown> {
  const root: FormNode = Object.create(null);
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    const name = decodeFormPart(eq < 0 ? pair : pair.slice(0, eq));
    const value = decodeFormPart(eq < 0 ? "" : pair.slice(eq + 1));
    const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(name);
    if (!match) throw invalid(`Invalid parameter name: ${name}`);
    const segments = [match[1] ?? "", ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1] ?? "")];
    insert(root, segments, value, name);
  }
  return normalize(root) as Record<string, unknown>;
}

interface FormNode {
  [key: string]: FormNode | string;
}

function insert(node: FormNode, segments: string[], value: string, name: string): void {
  const [head = "", ...rest] = segments;
  const key = head === "" ? String(Object.keys(node).length) : head;
  const existing = node[key];
  if (rest.length === 0) {
    if (typeof existing === "object") throw invalid(`Parameter ${name} is given both as a value and as a hash.`, name);
    node[key] = value;
    return;
  }
  if (typeof existing === "string") throw invalid(`Parameter ${name} is given both as a value and as a hash.`, name);
  const child: FormNode = existing ?? Object.create(null);
  node[key] = child;
  insert(child, rest, value, name);
}

function normalize(node: FormNode | string): unknown {
  if (typeof node === "string") return node;
  const keys = Object.keys(node);
  const indices = keys.map(Number).sort((a, b) => a - b);
  if (keys.length > 0 && keys.every((k) => /^(0|[1-9]\d*)$/.test(k)) && indices.every((n, i) => n === i)) {
    return indices.map((i) => normalize(node[String(i)] ?? ""));
  }
  // fromEntries defines own properties, so a key like __proto__ stays a plain key.
  return Object.fromEntries(keys.map((k) => [k, normalize(node[k] ?? "")]));
}

function decodeFormPart(part: string): string {
  try {
    return decodeURIComponent(part.replace(/\+/g, " "));
  } catch {
    throw invalid(`Invalid URL encoding: ${part}`);
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Stripe refuses parameters it does not know; the fake also refuses those it does not model, so none is silently ignored. */
function checkKnown(fields: Record<string, unknown>, known: string[], prefix?: string): void {
  for (const key of Object.keys(fields)) {
    if (!known.includes(key)) {
      const name = prefix ? `${prefix}[${key}]` : key;
      throw invalid(`Received unknown parameter: ${name}`, name, "parameter_unknown");
    }
  }
}

function requiredString(value: unknown, param: string): string {
  if (value === undefined) throw missing(param);
  if (typeof value !== "string") throw invalid(`Invalid string: ${param} must be a string, not a hash or an array.`, param);
  if (value === "") throw invalid(`You passed an empty string for '${param}'.`, param, "parameter_invalid_empty");
  return value;
}

/** An absent or empty optional string is unset, as Stripe reads "" in a form. */
function optionalString(value: unknown, param: string): string | undefined {
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw invalid(`Invalid string: ${param} must be a string, not a hash or an array.`, param);
  return value;
}

function integer(value: unknown, param: string): number {
  if (value === undefined) throw missing(param);
  const text = typeof value === "string" ? value : JSON.stringify(value);
  if (typeof value !== "string" || !/^-?\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw invalid(`Invalid integer: ${text}`, param, "parameter_invalid_integer");
  }
  return Number(value);
}

function object(value: unknown, param: string): Record<string, unknown> {
  if (!isObject(value)) throw invalid(`Invalid hash: ${param} must be a hash of fields.`, param);
  return value;
}

function array(value: unknown, param: string): unknown[] {
  if (!Array.isArray(value)) throw invalid(`Invalid array: ${param} must be an array (${param}[0]...).`, param);
  return value;
}

function absoluteUrl(value: string, param: string): string {
  let parsed: URL | undefined;
  try {
    parsed = new URL(value);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !/^https?:$/.test(parsed.protocol) || value.length > 5000) {
    throw invalid(`Not a valid URL: ${param} must be an absolute http(s) URL of at most 5000 characters.`, param, "url_invalid");
  }
  return value;
}

/** Stripe's metadata limits: at most 50 keys, keys up to 40 characters, string values up to 500. */
function checkMetadata(value: unknown): Record<string, string> {
  if (value === undefined || value === "") return {};
  if (typeof value !== "object" || value === null) throw invalid("Invalid hash: metadata must be a hash of keys and values.", "metadata");
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalid("metadata may have at most 50 keys.", "metadata");
  const metadata: Record<string, string> = {};
  for (const [key, item] of entries) {
    if (key.length > 40) throw invalid(`Metadata keys can be at most 40 characters long (${key}).`, `metadata[${key}]`);
    if (typeof item !== "string") throw invalid(`Metadata values must be strings (${key}).`, `metadata[${key}]`);
    if (item.length > 500) throw invalid(`Metadata values can be at most 500 characters long (${key}).`, `metadata[${key}]`);
    // An empty value unsets the key.
    if (item !== "") metadata[key] = item;
  }
  return metadata;
}

function checkExpand(value: unknown, expandable: string[]): string[] {
  if (value === undefined || value === "") return [];
  const paths = array(value, "expand");
  return paths.map((path, i) => {
    if (typeof path !== "string" || !expandable.includes(path)) {
      const list = expandable.length ? expandable.join(", ") : "nothing";
      throw invalid(`This property cannot be expanded (${String(path)}); the fake expands ${list} here.`, `expand[${i}]`);
    }
    return path;
  });
}

function errorBody(e: StripeApiError): string {
  return JSON.stringify({
    error: { type: e.type, message: e.message, ...(e.code ? { code: e.code } : {}), ...(e.param ? { param: e.param } : {}) },
  });
}

/** JSON with sorted keys: a retry whose form fields come in another order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

function randomId(prefix: string, length = 24): string {
  const bytes = randomBytes(length);
  let id = prefix;
  for (const byte of bytes) id += ALPHABET[byte % ALPHABET.length];
  return id;
}

function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

function eventIdOf(body: string): string {
  try {
    const parsed: unknown = JSON.parse(body);
    return isObject(parsed) && typeof parsed.id === "string" ? parsed.id : "";
  } catch {
    return "";
  }
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}
