// Orkestr web chat: preview client for marketers.
// Plain ES module, no build step. Talks to the same-origin HTTP API:
//   GET  /api/flows
//   POST /api/chat/session (sets the session's httpOnly cookie, answers { session })
//   POST /api/chat/start | /messages | /buttons
//   GET  /api/chat/history | /state
//   GET  /api/chat/stream (Server-Sent Events, event "message")
// The chat routes know the session by its cookie only; the page never handles the credential.

const CHAT_API = "/api/chat";
const LS_FLOW = "orkestr.webchat.flow";
const LS_PANEL = "orkestr.webchat.statePanel";

const MOBILE_QUERY = "(max-width: 820px)";
const ERROR_HIDE_MS = 7000;
const RETRY_DELAY_MS = 800;
const STATE_DEBOUNCE_MS = 200;
const RECONNECT_MIN_MS = 1000;
const RECONNECT_MAX_MS = 15000;

// ---------------------------------------------------------------------------
// Small utilities

const storage = {
  get(key) {
    try {
      return localStorage.getItem(key);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      localStorage.setItem(key, value);
    } catch {
      // Storage may be unavailable (private mode, disabled cookies): keep working without it.
    }
  },
  remove(key) {
    try {
      localStorage.removeItem(key);
    } catch {
      // As above.
    }
  },
};

/** crypto.randomUUID exists only in secure contexts; fall back for plain-http LAN demos. */
function uuid() {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "className") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  node.append(...children.filter((c) => c !== null && c !== undefined && c !== false));
  return node;
}

// ---------------------------------------------------------------------------
// HTTP

class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.name = "ApiError";
    this.status = status;
  }
}

class NetworkError extends Error {
  constructor() {
    super("Нет связи с сервером. Проверьте подключение и попробуйте ещё раз.");
    this.name = "NetworkError";
  }
}

async function request(path, { method = "GET", body } = {}) {
  const init = { method, cache: "no-store", headers: { accept: "application/json" } };
  if (body !== undefined) {
    init.headers["content-type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new NetworkError();
  }
  const raw = await res.text().catch(() => "");
  let data = null;
  if (raw) {
    try {
      data = JSON.parse(raw);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const message = data && typeof data.error === "string" && data.error ? data.error : `Ошибка сервера (${res.status})`;
    throw new ApiError(message, res.status);
  }
  return data;
}

/** POST that is safe to repeat (the server dedupes on clientMessageId): one retry on network failure. */
async function postIdempotent(path, body) {
  try {
    return await chatRequest(path, { method: "POST", body });
  } catch (err) {
    if (!(err instanceof NetworkError)) throw err;
    await sleep(RETRY_DELAY_MS);
    return chatRequest(path, { method: "POST", body });
  }
}

// ---------------------------------------------------------------------------
// Session: the server keeps it in an httpOnly cookie and tells the page its id only to show it.

let session = "";
let sessionOpening = null;

/** Resumes the cookie's session (a reload keeps the conversation) or gets a new one. */
function openSession() {
  sessionOpening ??= request(`${CHAT_API}/session`, { method: "POST" })
    .then((data) => {
      const previous = session;
      session = typeof data?.session === "string" ? data.session : "";
      showSession();
      // The cookie expired or the server no longer accepts it: what is on screen was another conversation.
      if (previous && session !== previous) onSessionReplaced();
      return session;
    })
    .finally(() => {
      sessionOpening = null;
    });
  return sessionOpening;
}

/** A request to a route of this page's session. A 401 means its cookie is gone: open a session and try once more. */
async function chatRequest(path, options) {
  if (!session) await openSession();
  try {
    return await request(path, options);
  } catch (err) {
    if (!(err instanceof ApiError && err.status === 401)) throw err;
    await openSession();
    return request(path, options);
  }
}

// ---------------------------------------------------------------------------
// DOM references

const $ = (id) => document.getElementById(id);
const ui = {
  status: document.querySelector('[data-testid="status"]'),
  statusText: document.querySelector(".status__text"),
  flowSelect: $("flow-select"),
  restart: $("restart"),
  transcript: $("transcript"),
  empty: $("empty"),
  toast: $("toast"),
  toastText: $("toast-text"),
  toastClose: $("toast-close"),
  composer: $("composer"),
  input: $("input"),
  panel: $("state-panel"),
  panelToggle: $("state-toggle"),
  stateRefresh: $("state-refresh"),
  stateBody: $("state-body"),
  sessionId: $("session-id"),
};

// ---------------------------------------------------------------------------
// Errors (unobtrusive toast above the composer)

let toastTimer = 0;

function showError(message) {
  ui.toastText.textContent = message;
  ui.toast.hidden = false;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(hideError, ERROR_HIDE_MS);
}

function hideError() {
  clearTimeout(toastTimer);
  ui.toast.hidden = true;
}

// ---------------------------------------------------------------------------
// Safe rendering of the bot's HTML subset

const KEEP_TAGS = new Set(["B", "I", "U", "S", "CODE"]);
const SAFE_PROTOCOLS = new Set(["http:", "https:", "tg:", "mailto:"]);

function safeUrl(raw) {
  if (typeof raw !== "string" || !raw.trim()) return null;
  try {
    const url = new URL(raw.trim()); // absolute URLs only
    return SAFE_PROTOCOLS.has(url.protocol) ? url.href : null;
  } catch {
    return null;
  }
}

/**
 * Parse in an inert document (no scripts run, nothing loads) and rebuild only
 * the allowed elements from scratch in the live document. Everything else
 * becomes plain text: unknown elements are unwrapped, attributes are dropped.
 */
function renderBotHtml(html) {
  const doc = new DOMParser().parseFromString(`<!doctype html><body>${html}`, "text/html");
  const out = document.createDocumentFragment();
  copySafe(doc.body, out);
  return out;
}

function copySafe(from, to) {
  for (const node of from.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) {
      to.append(document.createTextNode(node.data));
      continue;
    }
    if (node.nodeType !== Node.ELEMENT_NODE) continue; // comments, processing instructions
    const tag = node.tagName;
    if (tag === "BR") {
      to.append(document.createElement("br"));
    } else if (KEEP_TAGS.has(tag)) {
      const copy = document.createElement(tag.toLowerCase());
      copySafe(node, copy);
      to.append(copy);
    } else if (tag === "A") {
      const href = safeUrl(node.getAttribute("href"));
      if (href) {
        const link = document.createElement("a");
        link.href = href;
        link.target = "_blank";
        link.rel = "noopener";
        copySafe(node, link);
        to.append(link);
      } else {
        copySafe(node, to);
      }
    } else {
      copySafe(node, to);
    }
  }
}

// ---------------------------------------------------------------------------
// Time formatting

const timeFmt = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit" });
const dayTimeFmt = new Intl.DateTimeFormat("ru-RU", { day: "numeric", month: "short", hour: "2-digit", minute: "2-digit" });
const fullFmt = new Intl.DateTimeFormat("ru-RU", { dateStyle: "long", timeStyle: "medium" });
const clockFmt = new Intl.DateTimeFormat("ru-RU", { hour: "2-digit", minute: "2-digit", second: "2-digit" });

function formatStamp(date) {
  if (Number.isNaN(date.getTime())) return { short: "", full: "" };
  const sameDay = date.toDateString() === new Date().toDateString();
  return { short: (sameDay ? timeFmt : dayTimeFmt).format(date), full: fullFmt.format(date) };
}

// ---------------------------------------------------------------------------
// Transcript model
//
// Records are keyed "srv:<id>" for server messages and "local:<clientMessageId>"
// for optimistic user bubbles. A local bubble is dropped as soon as the server's
// echo of an inbound message with the same text arrives.

/** @type {Map<string, any>} */
const records = new Map();
let seq = 0;
let generation = 0; // bumped on restart so stale history responses are ignored

function normalizeText(text) {
  return String(text ?? "").trim();
}

function isValidMessage(m) {
  return m && typeof m === "object" && typeof m.id === "string" && (m.direction === "in" || m.direction === "out");
}

function signature(m) {
  return JSON.stringify([m.direction, m.text ?? "", m.buttons ?? null, m.createdAt ?? ""]);
}

/** Adds or updates one server message. Returns true if something visible changed. */
function ingest(m) {
  if (!isValidMessage(m)) return false;
  const key = `srv:${m.id}`;
  const existing = records.get(key);
  const sig = signature(m);
  if (existing) {
    if (existing.sig === sig) return false;
    existing.el?.remove();
    Object.assign(existing, toRecordFields(m), { sig, el: null });
    return true;
  }
  if (m.direction === "in") {
    const text = normalizeText(m.text);
    for (const rec of records.values()) {
      if (rec.local && normalizeText(rec.text) === text) {
        removeRecord(rec);
        break;
      }
    }
  }
  records.set(key, { key, local: false, seq: seq++, sig, el: null, ...toRecordFields(m) });
  return true;
}

function toRecordFields(m) {
  const time = Date.parse(m.createdAt);
  return {
    id: m.id,
    direction: m.direction,
    text: typeof m.text === "string" ? m.text : "",
    buttons: Array.isArray(m.buttons) ? m.buttons.filter(Array.isArray) : [],
    file: m.file && typeof m.file.url === "string" ? m.file : null,
    createdAt: m.createdAt,
    time: Number.isNaN(time) ? Number.MAX_SAFE_INTEGER : time,
  };
}

function addLocal(text, clientMessageId, endpoint, body) {
  const rec = {
    key: `local:${clientMessageId}`,
    local: true,
    id: null,
    direction: "in",
    text,
    buttons: [],
    createdAt: new Date().toISOString(),
    time: Date.now(),
    seq: seq++,
    status: "sending",
    endpoint,
    body,
    el: null,
  };
  records.set(rec.key, rec);
  return rec;
}

function removeRecord(rec) {
  records.delete(rec.key);
  rec.el?.remove();
}

function clearTranscript() {
  generation++;
  for (const rec of records.values()) rec.el?.remove();
  records.clear();
  render();
}

/** Server messages in time order; pending local bubbles always stay at the bottom. */
function orderedRecords() {
  return [...records.values()].sort((a, b) => {
    if (a.local !== b.local) return a.local ? 1 : -1;
    if (!a.local && a.time !== b.time) return a.time - b.time;
    // A message and the replies of its turn carry the turn's time: the message comes first.
    if (!a.local && a.direction !== b.direction) return a.direction === "in" ? -1 : 1;
    return a.seq - b.seq;
  });
}

// ---------------------------------------------------------------------------
// Transcript view

function render() {
  const list = orderedRecords();
  ui.empty.hidden = list.length > 0;

  let latestWithButtons = null;
  for (const rec of list) {
    if (rec.direction === "out" && rec.buttons.some((row) => row.length > 0)) latestWithButtons = rec;
  }

  let anchor = ui.empty;
  let prev = null;
  for (const rec of list) {
    if (!rec.el) rec.el = buildBubble(rec);
    if (anchor.nextSibling !== rec.el) anchor.after(rec.el);
    anchor = rec.el;

    rec.el.classList.toggle("msg--follow", prev !== null && prev.direction === rec.direction);
    const keyboard = rec.el.querySelector(".keyboard");
    if (keyboard) {
      const active = rec === latestWithButtons;
      keyboard.classList.toggle("keyboard--stale", !active);
      keyboard.dataset.active = String(active);
    }
    prev = rec;
  }
}

/** A document the bot sent, shown as a download card above its caption. */
function buildFile(file) {
  const kib = Math.max(1, Math.round(file.size / 1024));
  const size = kib >= 1024 ? `${(kib / 1024).toFixed(1)} МБ` : `${kib} КБ`;
  return el(
    "a",
    { className: "msg__file", href: file.url, download: file.name, dataset: { testid: "msg-file" } },
    el("span", { className: "msg__file-icon", "aria-hidden": "true", text: "📄" }),
    el("span", { className: "msg__file-name", text: file.name }),
    el("span", { className: "msg__file-size", text: size }),
  );
}

function buildBubble(rec) {
  const out = rec.direction === "out";
  const textEl = el("div", { className: "msg__text", dataset: { testid: "msg-text" } });
  if (out) textEl.append(renderBotHtml(rec.text));
  else textEl.textContent = rec.text;

  const stamp = formatStamp(new Date(rec.createdAt));
  const meta = el(
    "span",
    { className: "msg__meta" },
    stamp.short ? el("time", { datetime: rec.createdAt, title: stamp.full, text: stamp.short }) : null,
  );

  if (!out) meta.append(el("span", { className: "msg__status", "aria-hidden": "true" }));
  if (rec.local) {
    meta.append(
      el("button", {
        type: "button",
        className: "msg__retry",
        text: "Повторить",
        title: "Отправить ещё раз",
        onclick: () => deliver(rec),
      }),
    );
  }

  const bubble = el("div", { className: "msg__bubble" }, rec.file ? buildFile(rec.file) : null, textEl, meta);
  if (!normalizeText(textEl.textContent)) bubble.classList.add("msg__bubble--empty");

  const node = el(
    "div",
    {
      className: `msg msg--${rec.direction}`,
      dataset: { testid: "msg", direction: rec.direction },
    },
    bubble,
  );
  if (rec.id) node.dataset.id = rec.id;
  if (rec.local) {
    node.dataset.local = "true";
    node.dataset.status = rec.status;
  }
  if (out && rec.buttons.length) node.append(buildKeyboard(rec.buttons));
  return node;
}

function buildKeyboard(rows) {
  const keyboard = el("div", { className: "keyboard" });
  for (const row of rows) {
    const rowEl = el("div", { className: "keyboard__row" });
    for (const btn of row) {
      if (!btn || typeof btn !== "object") continue;
      const label = typeof btn.label === "string" ? btn.label : "";
      if (btn.url !== undefined && btn.url !== null) {
        const href = safeUrl(btn.url);
        rowEl.append(
          href
            ? el(
                "a",
                {
                  className: "kbtn kbtn--link",
                  href,
                  target: "_blank",
                  rel: "noopener",
                  dataset: { testid: "button" },
                },
                el("span", { className: "kbtn__label", text: label }),
                el("span", { className: "kbtn__ext", "aria-hidden": "true", text: "↗" }),
              )
            : el("span", {
                className: "kbtn kbtn--broken",
                title: "Недопустимая ссылка",
                dataset: { testid: "button" },
                text: label,
              }),
        );
      } else {
        rowEl.append(
          el("button", {
            type: "button",
            className: "kbtn",
            dataset: { testid: "button" },
            text: label,
            onclick: () => pressButton(btn),
          }),
        );
      }
    }
    if (rowEl.childElementCount) keyboard.append(rowEl);
  }
  return keyboard;
}

function setLocalStatus(rec, status) {
  rec.status = status;
  if (rec.el) rec.el.dataset.status = status;
}

let scrollFrame = 0;
function scrollToBottom(smooth = true) {
  cancelAnimationFrame(scrollFrame);
  scrollFrame = requestAnimationFrame(() => {
    const reduce = matchMedia("(prefers-reduced-motion: reduce)").matches;
    ui.transcript.scrollTo({ top: ui.transcript.scrollHeight, behavior: smooth && !reduce ? "smooth" : "instant" });
  });
}

// ---------------------------------------------------------------------------
// Sending

async function deliver(rec) {
  setLocalStatus(rec, "sending");
  try {
    await postIdempotent(rec.endpoint, rec.body);
    if (records.get(rec.key) === rec) {
      setLocalStatus(rec, "sent");
      // The stream's echo did not come (it was reconnecting, say to a new session): the message
      // is stored by now, so the history has it and takes the local bubble's place.
      void loadHistory();
    }
  } catch (err) {
    if (records.get(rec.key) === rec) setLocalStatus(rec, "failed");
    showError(err.message);
  }
}

function sendText() {
  const text = normalizeText(ui.input.value);
  if (!text) {
    ui.input.focus();
    return;
  }
  ui.input.value = "";
  autosize();
  const clientMessageId = uuid();
  const rec = addLocal(text, clientMessageId, `${CHAT_API}/messages`, { text, clientMessageId });
  render();
  scrollToBottom();
  void deliver(rec);
}

function pressButton(btn) {
  const label = typeof btn.label === "string" ? btn.label : "";
  const clientMessageId = uuid();
  const hasPayload = typeof btn.payload === "string";
  // A button without payload or url behaves like a reply-keyboard key: its label is sent as text.
  const rec = hasPayload
    ? addLocal(label, clientMessageId, `${CHAT_API}/buttons`, { payload: btn.payload, label, clientMessageId })
    : addLocal(label, clientMessageId, `${CHAT_API}/messages`, { text: label, clientMessageId });
  render();
  scrollToBottom();
  void deliver(rec);
}

// ---------------------------------------------------------------------------
// History & stream

async function loadHistory() {
  const gen = generation;
  try {
    const data = await chatRequest(`${CHAT_API}/history`);
    if (gen !== generation) return;
    const list = Array.isArray(data?.messages) ? data.messages : [];
    let changed = false;
    for (const m of list) changed = ingest(m) || changed;
    if (changed) onTranscriptChanged();
  } catch (err) {
    showError(`Не удалось загрузить историю: ${err.message}`);
  }
}

let hasShownMessages = false;

function onTranscriptChanged() {
  render();
  // The first batch (usually the history) jumps straight to the end; later ones glide.
  scrollToBottom(hasShownMessages);
  hasShownMessages = records.size > 0;
  scheduleState();
}

const STATUS_TEXT = {
  connecting: "Подключение…",
  online: "В сети",
  reconnecting: "Переподключение…",
  offline: "Нет связи",
};

function setStatus(state) {
  ui.status.dataset.state = state;
  ui.statusText.textContent = STATUS_TEXT[state];
}

let source = null;
let reconnectTimer = 0;
let reconnectDelay = RECONNECT_MIN_MS;

function connect() {
  clearTimeout(reconnectTimer);
  source?.close();
  setStatus(source ? "reconnecting" : "connecting");

  const es = new EventSource(`${CHAT_API}/stream`);
  source = es;

  es.addEventListener("open", () => {
    if (source !== es) return;
    reconnectDelay = RECONNECT_MIN_MS;
    setStatus("online");
    void loadHistory(); // catch up on anything missed while disconnected
    if (!flowsLoaded) void loadFlows();
  });

  es.addEventListener("message", (event) => {
    if (source !== es) return;
    let msg;
    try {
      msg = JSON.parse(event.data);
    } catch {
      return;
    }
    if (ingest(msg)) onTranscriptChanged();
  });

  es.addEventListener("error", (event) => {
    if (source !== es) return;
    if (typeof event.data === "string" && event.data) {
      // A server-sent event named "error".
      try {
        const payload = JSON.parse(event.data);
        if (typeof payload?.error === "string") showError(payload.error);
      } catch {
        // ignore malformed payloads
      }
      return;
    }
    if (es.readyState === EventSource.CLOSED) {
      // The browser gave up (e.g. non-200 response): reconnect ourselves with backoff.
      setStatus("offline");
      reconnectTimer = setTimeout(reconnect, reconnectDelay);
      reconnectDelay = Math.min(reconnectDelay * 2, RECONNECT_MAX_MS);
    } else {
      setStatus("reconnecting");
    }
  });
}

/**
 * EventSource does not say why it failed, and a refused cookie (401) looks like any other failure:
 * open the session again first (it answers the same one while the cookie is good).
 */
async function reconnect() {
  try {
    await openSession();
  } catch {
    // No server: connect() fails too and backs off.
  }
  // A replaced session has reconnected already.
  if (!source || source.readyState === EventSource.CLOSED) connect();
}

window.addEventListener("online", () => {
  if (!source || source.readyState === EventSource.CLOSED) connect();
});
window.addEventListener("offline", () => setStatus("offline"));

// ---------------------------------------------------------------------------
// Flows

let flows = [];
let flowsLoaded = false;
let flowTouched = false; // the user picked a flow in this page view
let lastState = null;

function flowExists(id) {
  return typeof id === "string" && flows.some((f) => f.id === id);
}

function setPlaceholder(text) {
  ui.flowSelect.replaceChildren(el("option", { value: "", disabled: true, selected: true, text }));
}

let flowsRequest = null;

function loadFlows() {
  flowsRequest ??= fetchFlows().finally(() => {
    flowsRequest = null;
  });
  return flowsRequest;
}

async function fetchFlows() {
  try {
    const data = await request("/api/flows");
    flows = (Array.isArray(data?.flows) ? data.flows : []).filter((f) => f && typeof f.id === "string");
    flowsLoaded = true;
    if (!flows.length) {
      setPlaceholder("Нет доступных сценариев");
      return;
    }
    const current = ui.flowSelect.value;
    ui.flowSelect.replaceChildren(
      el("option", { value: "", disabled: true, text: "Выберите сценарий…" }),
      ...flows.map((f) => el("option", { value: f.id, text: f.title || f.id })),
    );
    const preferred = [flowTouched ? current : null, lastState?.flowId, storage.get(LS_FLOW)].find(flowExists);
    ui.flowSelect.value = preferred ?? "";
    if (lastState) renderState(lastState);
  } catch (err) {
    setPlaceholder("Сценарии недоступны");
    showError(`Не удалось загрузить сценарии: ${err.message}`);
  }
}

async function startFlow(flowId) {
  if (!flowId) {
    showError("Сначала выберите сценарий.");
    ui.flowSelect.focus();
    return;
  }
  storage.set(LS_FLOW, flowId);
  hideError();
  clearTranscript();
  if (ui.restart.classList.contains("is-busy")) return; // a double click starts once
  ui.restart.classList.add("is-busy");
  try {
    // One id per press: a retried request is recognised by the server and not started twice.
    await chatRequest(`${CHAT_API}/start`, { method: "POST", body: { flowId, clientMessageId: uuid() } });
  } catch (err) {
    showError(err.message);
  } finally {
    ui.restart.classList.remove("is-busy");
  }
  await loadHistory();
  scheduleState(0);
  if (!matchMedia(MOBILE_QUERY).matches) ui.input.focus({ preventScroll: true });
}

// ---------------------------------------------------------------------------
// State panel

let stateTimer = 0;
let stateInFlight = false;
let stateAgain = false;
let previousValues = new Map();

function scheduleState(delay = STATE_DEBOUNCE_MS) {
  clearTimeout(stateTimer);
  stateTimer = setTimeout(fetchState, delay);
}

async function fetchState() {
  if (stateInFlight) {
    stateAgain = true;
    return;
  }
  stateInFlight = true;
  try {
    const st = await chatRequest(`${CHAT_API}/state`);
    lastState = st && typeof st === "object" ? st : { flowId: null };
    // Until the user picks something, the selector mirrors the flow the server says is running.
    if (!flowTouched && flowsLoaded && flowExists(lastState.flowId)) {
      ui.flowSelect.value = lastState.flowId;
    }
    renderState(lastState);
    void renderGraph(lastState);
  } catch (err) {
    ui.stateBody.replaceChildren(el("p", { className: "state__error", text: `Не удалось получить состояние: ${err.message}` }));
  } finally {
    stateInFlight = false;
    if (stateAgain) {
      stateAgain = false;
      scheduleState(0);
    }
  }
}

// ---------------------------------------------------------------------------
// Flow chart: the running flow as a Mermaid chart with the current step highlighted.

let mermaidLoading = null;
let graphKey = "";
let graphSeq = 0;

function loadMermaid() {
  mermaidLoading ??= new Promise((resolve, reject) => {
    const script = el("script", { src: "/vendor/mermaid.min.js" });
    script.addEventListener("load", () => {
      window.mermaid.initialize({
        startOnLoad: false,
        securityLevel: "strict",
        theme: matchMedia("(prefers-color-scheme: dark)").matches ? "dark" : "default",
      });
      resolve(window.mermaid);
    });
    script.addEventListener("error", () => reject(new Error("mermaid did not load")));
    document.head.append(script);
  });
  return mermaidLoading;
}

async function renderGraph(st) {
  const target = $("graph");
  if (!target || !st?.flowId) return;
  const key = `${st.flowId}|${st.stepId ?? ""}`;
  if (key === graphKey) return;
  graphKey = key;
  try {
    const query = st.stepId ? `?step=${encodeURIComponent(st.stepId)}` : "";
    const { mermaid: source } = await request(`/api/flows/${encodeURIComponent(st.flowId)}/graph${query}`);
    const mermaid = await loadMermaid();
    const { svg } = await mermaid.render(`graph-svg-${++graphSeq}`, source);
    if (graphKey !== key) return; // a newer state arrived meanwhile
    target.innerHTML = svg;
    target.dataset.step = st.stepId ?? "";
    // Scroll the chart (not the page) so the current step is in view.
    const current = target.querySelector(".current");
    if (current) {
      const box = current.getBoundingClientRect();
      const frame = target.getBoundingClientRect();
      target.scrollTop += box.top - frame.top - (target.clientHeight - box.height) / 2;
      target.scrollLeft += box.left - frame.left - (target.clientWidth - box.width) / 2;
    }
  } catch (err) {
    graphKey = "";
    target.replaceChildren(el("p", { className: "state__error", text: `Схема недоступна: ${err.message}` }));
  }
}

function formatValue(value) {
  if (typeof value === "string") return value;
  if (value === undefined) return "—";
  try {
    return JSON.stringify(value);
  } catch {
    return String(value);
  }
}

function renderState(st) {
  const nextValues = new Map();
  const mark = (node, path, value) => {
    const formatted = formatValue(value);
    nextValues.set(path, formatted);
    if (previousValues.size && previousValues.get(path) !== formatted) node.classList.add("is-changed");
    return node;
  };

  const body = [];
  if (!st || st.flowId === null || st.flowId === undefined) {
    body.push(el("p", { className: "state__muted", text: "Сценарий не запущен. Выберите сценарий вверху." }));
  } else {
    const flow = flows.find((f) => f.id === st.flowId);
    const row = (label, path, value, content) =>
      mark(
        el(
          "div",
          { className: "state__row" },
          el("dt", { text: label }),
          el("dd", {}, content ?? el("code", { text: formatValue(value) })),
        ),
        path,
        value,
      );

    const tags = Array.isArray(st.tags) ? st.tags : [];
    const tagList = tags.length
      ? el("ul", { className: "chips" }, ...tags.map((t) => el("li", { className: "chip", text: String(t) })))
      : el("span", { className: "state__muted", text: "нет" });

    body.push(
      el(
        "dl",
        { className: "state__grid" },
        row(
          "Сценарий",
          "flowId",
          st.flowId,
          flow
            ? el("span", { className: "state__flow" }, el("span", { text: flow.title || flow.id }), el("code", { text: flow.id }))
            : null,
        ),
        row("Шаг", "stepId", st.stepId),
        row("Этап", "stage", st.stage),
        row("Теги", "tags", tags, tagList),
      ),
      kvSection("Поля", "fields", st.fields, mark),
      kvSection("Переменные", "vars", st.vars, mark),
    );
  }
  body.push(el("p", { className: "state__updated", text: `Обновлено в ${clockFmt.format(new Date())}` }));
  ui.stateBody.replaceChildren(...body);
  previousValues = nextValues;
}

function kvSection(title, prefix, obj, mark) {
  const entries = obj && typeof obj === "object" && !Array.isArray(obj) ? Object.entries(obj) : [];
  const section = el("section", { className: "state__section", dataset: { testid: `state-${prefix}` } }, el("h3", { text: title }));
  if (!entries.length) {
    section.append(el("p", { className: "state__muted", text: "пусто" }));
    return section;
  }
  const table = el("dl", { className: "kv" });
  for (const [key, value] of entries) {
    table.append(
      mark(
        el("div", { className: "kv__row" }, el("dt", { text: key, title: key }), el("dd", {}, el("code", { text: formatValue(value) }))),
        `${prefix}.${key}`,
        value,
      ),
    );
  }
  section.append(table);
  return section;
}

function setPanelOpen(open, persist = true) {
  ui.panel.dataset.collapsed = String(!open);
  ui.panelToggle.setAttribute("aria-expanded", String(open));
  if (persist) storage.set(LS_PANEL, open ? "open" : "closed");
}

// ---------------------------------------------------------------------------
// Composer

function autosize() {
  ui.input.style.height = "auto";
  ui.input.style.height = `${Math.min(ui.input.scrollHeight, 160)}px`;
}

// ---------------------------------------------------------------------------
// Wiring

function showSession() {
  ui.sessionId.textContent = session || "—";
  ui.sessionId.title = session;
}

function onSessionReplaced() {
  // What the server showed belongs to the old conversation; messages still being sent go to the new one.
  const pending = [...records.values()].filter((rec) => rec.local);
  clearTranscript();
  for (const rec of pending) records.set(rec.key, rec);
  render();
  lastState = null;
  connect();
  scheduleState(0);
}

async function init() {
  // Pages before the session cookie kept the session id here, where any script could read it.
  storage.remove("orkestr.webchat.session");
  showSession();

  const storedPanel = storage.get(LS_PANEL);
  setPanelOpen(storedPanel ? storedPanel === "open" : !matchMedia(MOBILE_QUERY).matches, false);
  ui.panelToggle.addEventListener("click", () => setPanelOpen(ui.panel.dataset.collapsed === "true"));
  ui.stateRefresh.addEventListener("click", () => scheduleState(0));

  ui.flowSelect.addEventListener("change", () => {
    flowTouched = true;
    void startFlow(ui.flowSelect.value);
  });
  ui.restart.addEventListener("click", () => startFlow(ui.flowSelect.value));

  ui.composer.addEventListener("submit", (event) => {
    event.preventDefault();
    sendText();
  });
  ui.input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing && event.keyCode !== 229) {
      event.preventDefault();
      sendText();
    }
  });
  ui.input.addEventListener("input", autosize);
  ui.toastClose.addEventListener("click", hideError);

  void loadFlows();
  try {
    await openSession();
  } catch (err) {
    // The chat's requests and the stream open it again when they run.
    showError(`Не удалось открыть сессию: ${err.message}`);
  }
  void loadHistory();
  connect();
  void fetchState();
}

void init();
