/* Hài Lòng kiosk: every rating is written to IndexedDB first, then sent in order; the screen never waits
   for the network. Each queued rating describes itself (level and scale, binding, counter, officer, question
   version, device time and the clock offset measured at the last contact), so the server judges it by what
   the citizen saw. An item the server refuses moves to the "không gửi được" list with its reason, for staff.
   A revoked or re-coded tablet shows the pairing screen beside the ratings it still holds. */
"use strict";

const IDLE_MS = 30000;
const THANKS_MS = 5000;
const SYNC_MS = 5000;
const CONFIG_MS = 60000;
const API_TIMEOUT_MS = 20000; // see timeoutSignal
const BATCH = 50;
// A second tap on the rating buttons within this window after a tap is the same citizen's double tap.
const DEBOUNCE_MS = 700;
// Faces drawn as SVG (no emoji font needed): mood 2 = big smile … -2 = big frown.
const MOOD = { 5: 2, 4: 1, 3: 0, 2: -1, 1: -2 };
const MOOD3 = { 3: 2, 2: 1, 1: -1 };
const SVG = "http://www.w3.org/2000/svg";
const TONE = { 5: "v-good", 4: "v-ok", 3: "v-mid", 2: "v-bad", 1: "v-worst" };
const TONE3 = { 3: "v-good", 2: "v-ok", 1: "v-bad" };

let db = null;
let token = null;
let config = null; // what the screen shows now
let pendingConfig = null; // a newer configuration, applied once no citizen is in progress
let clock = null; // { offset_ms, checked_at }: server time minus device time at the last successful contact
let current = null; // the rating being followed up
let lastTap = 0;
let idleTimer = null;
let thanksTimer = null;
let syncing = false;
let blocked = null; // server refused the device: "revoked", "recoded" or "unknown_device"
let reachable = null; // null: not tried yet; true: last contact answered; false: the server could not be reached
let staffPin = null; // the PIN typed into the staff panel (kept in memory only while the panel is open)

// -- IndexedDB --------------------------------------------------------------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("hailong-kiosk", 2);
    request.onupgradeneeded = () => {
      const names = request.result.objectStoreNames;
      if (!names.contains("queue")) request.result.createObjectStore("queue", { keyPath: "client_id" });
      if (!names.contains("meta")) request.result.createObjectStore("meta");
      if (!names.contains("failed")) request.result.createObjectStore("failed", { keyPath: "client_id" });
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
function tx(stores, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(stores, mode);
    const result = fn(Array.isArray(stores) ? stores.map((s) => t.objectStore(s)) : t.objectStore(stores));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
const metaGet = (key) => tx("meta", "readonly", (s) => s.get(key));
const metaSet = (key, value) => tx("meta", "readwrite", (s) => s.put(value, key));
const queuePut = (item) => tx("queue", "readwrite", (s) => s.put(item));
const queueAll = () => tx("queue", "readonly", (s) => s.getAll());
const queueDelete = (ids) => tx("queue", "readwrite", (s) => ids.forEach((id) => s.delete(id)));
const failedAll = () => tx("failed", "readonly", (s) => s.getAll());
const failedDelete = (ids) => tx("failed", "readwrite", (s) => ids.forEach((id) => s.delete(id)));
// a refused item leaves the queue and enters the failed list in one transaction: never in neither
const moveToFailed = (entries) => tx(["queue", "failed"], "readwrite", ([queue, failed]) => entries.forEach((e) => {
  queue.delete(e.item.client_id);
  failed.put({ ...e.item, reason: e.reason, rejected_at: new Date().toISOString() });
}));
const moveToQueue = (item) => tx(["queue", "failed"], "readwrite", ([queue, failed]) => {
  const { reason, rejected_at, ...plain } = item;
  failed.delete(item.client_id);
  queue.put(plain);
});

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// -- the server's clock -------------------------------------------------------------------------------------------
async function measureClock(sentAt, body) {
  const serverMs = body && Date.parse(body.server_time);
  if (!serverMs) return;
  const receivedAt = Date.now();
  clock = { offset_ms: Math.round(serverMs - (sentAt + receivedAt) / 2), checked_at: body.server_time };
  await metaSet("clock", clock);
}
const serverNow = () => new Date(Date.now() + (clock ? clock.offset_ms : 0));

// A request the network swallows (a half-open connection, a server stopped mid-reply) gives up after this long,
// so the one exchange at a time never waits forever and the queue is tried again; a batch stored meanwhile comes
// back as "duplicate" on the retry.
function timeoutSignal(ms) {
  if (typeof AbortSignal !== "undefined" && AbortSignal.timeout) return AbortSignal.timeout(ms);
  if (typeof AbortController === "undefined") return undefined;
  const controller = new AbortController();
  setTimeout(() => controller.abort(), ms);
  return controller.signal;
}

async function api(path, options) {
  const sentAt = Date.now();
  const used = token;
  const response = await fetch(path, {
    signal: timeoutSignal(API_TIMEOUT_MS),
    ...options,
    headers: { "Content-Type": "application/json", Authorization: "Bearer " + used, ...(options && options.headers) },
  });
  const body = await response.json().catch(() => ({}));
  if (response.status < 500) {
    reachable = true;
    await measureClock(sentAt, body);
  } else {
    reachable = false;
  }
  // a reply to a credential replaced meanwhile (the tablet was paired again) says nothing about the new one
  return { response, body, stale: used !== token };
}

// -- screens ----------------------------------------------------------------------------------------------------
function show(name) {
  if (name === "rate" && blocked) name = "pair"; // a revoked tablet takes no rating: it shows what it holds
  document.querySelectorAll(".screen").forEach((s) => s.classList.toggle("active", s.id === "screen-" + name));
  clearTimeout(idleTimer);
  if (name === "follow" || name === "thanks") idleTimer = setTimeout(() => finish(), IDLE_MS);
  if (name === "staff") idleTimer = setTimeout(closeStaff, IDLE_MS * 4);
  if (name === "rate" && pendingConfig && !current) {
    config = pendingConfig;
    pendingConfig = null;
    renderConfig();
    loadPhoto();
  }
  if (name === "pair") renderHeld();
}
function currentScreen() {
  const active = document.querySelector(".screen.active");
  return active ? active.id.replace("screen-", "") : "rate";
}

function renderConfig() {
  document.getElementById("where-unit").textContent = config.unit;
  document.getElementById("where-centre").textContent = config.centre;
  document.getElementById("where-counter").textContent = config.counter ? "· " + config.counter : "";
  const officer = document.getElementById("officer");
  officer.hidden = !config.officer;
  if (config.officer) {
    document.getElementById("officer-name").textContent = config.officer.name;
    document.getElementById("officer-title").textContent = config.officer.title || "";
  }
  const levels = document.getElementById("levels");
  levels.replaceChildren();
  for (const level of config.levels) {
    const button = document.createElement("button");
    button.type = "button";
    const tone = config.scale === 3 ? TONE3[level.value] : TONE[level.value];
    button.className = "level " + tone;
    button.dataset.value = level.value;
    const face = faceSvg(config.scale === 3 ? MOOD3[level.value] : MOOD[level.value]);
    const label = document.createElement("span");
    label.textContent = level.label;
    button.append(face, label);
    // the scale is captured with the button: the level always means what this screen showed
    const shown = config;
    button.addEventListener("click", () => rate(level.value, shown));
    levels.append(button);
  }
  const aspects = document.getElementById("aspects");
  aspects.replaceChildren();
  for (const aspect of config.aspects) {
    const button = document.createElement("button");
    button.type = "button";
    button.className = "aspect";
    button.dataset.key = aspect.key;
    button.setAttribute("aria-pressed", "false");
    button.textContent = aspect.label;
    button.addEventListener("click", () => {
      button.setAttribute("aria-pressed", button.getAttribute("aria-pressed") === "true" ? "false" : "true");
      show("follow");
    });
    aspects.append(button);
  }
}

function faceSvg(mood) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("viewBox", "0 0 100 100");
  svg.setAttribute("class", "face");
  svg.setAttribute("aria-hidden", "true");
  const colour = mood > 0 ? "#1b6e3a" : mood < 0 ? "#b3261e" : "#6b7280";
  const part = (tag, attrs) => {
    const el = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
    svg.append(el);
  };
  part("circle", { cx: 50, cy: 50, r: 46, fill: "#fff", stroke: colour, "stroke-width": 6 });
  part("circle", { cx: 35, cy: 40, r: 6, fill: colour });
  part("circle", { cx: 65, cy: 40, r: 6, fill: colour });
  const curve = mood * 9; // positive: smile, negative: frown
  part("path", { d: `M 30 ${68 - curve / 2} Q 50 ${68 + curve} 70 ${68 - curve / 2}`, fill: "none", stroke: colour,
                 "stroke-width": 6, "stroke-linecap": "round" });
  return svg;
}

async function loadPhoto() {
  const img = document.getElementById("officer-photo");
  let data = await metaGet("photo");
  if (config.officer && config.officer.has_photo && navigator.onLine) {
    try {
      const response = await fetch("/kiosk/api/officer-photo", {
        headers: { Authorization: "Bearer " + token }, signal: timeoutSignal(API_TIMEOUT_MS),
      });
      if (response.ok) {
        const blob = await response.blob();
        data = await new Promise((resolve) => {
          const reader = new FileReader();
          reader.onload = () => resolve(reader.result);
          reader.readAsDataURL(blob);
        });
        await metaSet("photo", data);
      }
    } catch (e) { /* offline: keep the cached photo */ }
  }
  if (data && config.officer && config.officer.has_photo) {
    img.src = data;
    img.alt = "Ảnh " + config.officer.name;
    img.hidden = false;
  } else {
    img.hidden = true;
  }
}

// -- rating -----------------------------------------------------------------------------------------------------
async function rate(value, shown) {
  const now = Date.now();
  if (current || blocked || now - lastTap < DEBOUNCE_MS) return; // a double tap is one rating
  lastTap = now;
  current = {
    client_id: uuid(), value: value, scale: shown.scale, binding: shown.binding, question_version: shown.question_version,
    counter_id: shown.counter_id, officer_id: shown.officer_id, answered_at: new Date(now).toISOString(),
    clock_offset_ms: clock ? clock.offset_ms : null, clock_checked_at: clock ? clock.checked_at : null,
    aspects: [], comment: "", dossier_code: "", hold: true,
  };
  document.querySelectorAll(".aspect").forEach((b) => b.setAttribute("aria-pressed", "false"));
  document.getElementById("follow-comment").value = "";
  document.getElementById("follow-dossier").value = "";
  await queuePut(current); // stored before anything else: a tap is never lost
  show("follow");
  updateStatus();
}

async function finish(withFollowUp) {
  clearTimeout(idleTimer);
  clearTimeout(thanksTimer);
  if (current) {
    const item = current;
    if (withFollowUp) {
      item.aspects = Array.from(document.querySelectorAll('.aspect[aria-pressed="true"]'), (b) => b.dataset.key);
      item.comment = document.getElementById("follow-comment").value.trim().slice(0, 1000);
      item.dossier_code = document.getElementById("follow-dossier").value.trim().slice(0, 64);
    }
    item.hold = false;
    await queuePut(item);
    current = null;
    updateStatus(); // the rating now waits to be sent: the count says so at once
    if (withFollowUp !== undefined) {
      show("thanks");
      thanksTimer = setTimeout(() => show("rate"), THANKS_MS);
    } else {
      show("rate");
    }
    sync();
    return;
  }
  show("rate");
}

// -- status -------------------------------------------------------------------------------------------------------
function hhmm(date) {
  return date.toLocaleTimeString("vi-VN", { hour: "2-digit", minute: "2-digit", timeZone: "Asia/Ho_Chi_Minh" })
    + " " + date.toLocaleDateString("vi-VN", { day: "2-digit", month: "2-digit", timeZone: "Asia/Ho_Chi_Minh" });
}

// The connection state and the notice: known at once, so they change together with the screen they explain.
function renderState() {
  const net = document.getElementById("status-net");
  let state;
  if (blocked === "revoked") state = ["blocked", "● Đã thu hồi"];
  else if (blocked) state = ["blocked", "● Cần ghép nối lại"];
  else if (!navigator.onLine) state = ["offline", "● Mất kết nối – đánh giá vẫn được lưu trên máy"];
  else if (reachable === false) state = ["offline", "● Không kết nối được máy chủ – đánh giá vẫn được lưu trên máy"];
  else if (reachable) state = ["online", "● Trực tuyến"];
  else state = ["pending", "● Đang kết nối…"];
  net.className = state[0];
  net.dataset.state = state[0];
  net.textContent = state[1];
  document.getElementById("status-notice").textContent = blocked === "revoked"
    ? "Thiết bị đã bị thu hồi: đánh giá được giữ trên máy. Vui lòng báo cán bộ quản trị."
    : blocked ? "Thiết bị cần ghép nối lại: đánh giá được giữ trên máy. Nhập mã ghép nối mới." : "";
}

async function updateStatus() {
  const waiting = (await queueAll()).filter((i) => !i.hold).length; // the citizen in progress is not waiting
  const failed = (await failedAll()).length;
  const lastSent = await metaGet("last_sent");
  renderState();
  document.getElementById("status-queue").textContent = "Chờ gửi: " + waiting;
  document.getElementById("status-failed").textContent = failed ? "Không gửi được: " + failed : "";
  document.getElementById("status-sent").textContent = lastSent ? "Gửi lần cuối: " + hhmm(new Date(lastSent)) : "";
}

function setBlocked(code) {
  blocked = code || "revoked";
  renderState(); // the pairing screen never shows under "Trực tuyến"
  if (!current && currentScreen() !== "staff") show("pair");
}

// -- sending ------------------------------------------------------------------------------------------------------
// One exchange with the server at a time: a report computed before a batch never lands after it.
let chain = Promise.resolve();
function serial(fn) {
  const run = chain.then(fn, fn);
  chain = run.catch(() => {});
  return run;
}

function sync() {
  if (syncing || !token || blocked) return Promise.resolve();
  syncing = true;
  return serial(sendQueue);
}

async function sendQueue() {
  try {
    for (;;) {
      const items = (await queueAll()).filter((i) => !i.hold).sort((a, b) => a.answered_at.localeCompare(b.answered_at));
      if (!items.length) break;
      const batch = items.slice(0, BATCH).map(({ hold, ...item }) => item);
      const failedIds = (await failedAll()).map((f) => f.client_id);
      let reply;
      try {
        reply = await api("/kiosk/api/ratings", {
          method: "POST",
          body: JSON.stringify({ items: batch, queue_length: items.length - batch.length, failed: failedIds }),
        });
      } catch (e) {
        reachable = navigator.onLine ? false : reachable;
        break; // offline or the server is down: try again later
      }
      const { response, body, stale } = reply;
      if (response.status === 401 || response.status === 403) {
        if (stale) break; // refused the old credential: the tablet was paired again meanwhile and sends anew
        setBlocked(body.error && body.error.code);
        break;
      }
      if (!response.ok || !Array.isArray(body.results)) break; // rate limited or server trouble: retry later
      const byId = new Map(batch.map((i) => [i.client_id, i]));
      const done = body.results.filter((r) => ["stored", "duplicate", "discarded"].includes(r.status))
        .map((r) => r.client_id);
      const refused = body.results.filter((r) => r.status === "rejected" && byId.has(r.client_id))
        .map((r) => ({ item: byId.get(r.client_id), reason: r.error }));
      await queueDelete(done);
      if (refused.length) await moveToFailed(refused);
      await applyResolutions(body.resolutions);
      if (done.length) await metaSet("last_sent", serverNow().toISOString());
      if (!done.length && !refused.length) break;
    }
  } finally {
    syncing = false;
    updateStatus();
    if (staffPin && currentScreen() === "staff") openFailed(); // a re-sent item refused again shows at once
  }
}

async function applyResolutions(resolutions) {
  const ids = Object.keys(resolutions || {});
  if (ids.length) await failedDelete(ids); // discarded by staff on the staff page, or stored by a re-send
}

function refreshConfig() {
  return serial(report);
}

async function report() {
  if (!token || !navigator.onLine) { updateStatus(); return; }
  try {
    const waiting = (await queueAll()).filter((i) => !i.hold).length;
    const failedIds = (await failedAll()).map((f) => f.client_id);
    const { response, body, stale } = await api("/kiosk/api/report", {
      method: "POST", body: JSON.stringify({ queue_length: waiting, failed: failedIds }),
    });
    if (stale) return;
    if (response.status === 401 || (response.ok && body.state !== "active")) {
      await applyResolutions(body.resolutions);
      setBlocked(body.state || (body.error && body.error.code));
    } else if (response.ok && body.config) {
      await applyResolutions(body.resolutions);
      const wasBlocked = blocked;
      blocked = null;
      await useConfig(body.config);
      if (wasBlocked) { show("rate"); sync(); }
    }
  } catch (e) {
    reachable = false;
  }
  updateStatus();
}

async function useConfig(fresh) {
  await metaSet("config", fresh);
  if (config && JSON.stringify(config) === JSON.stringify(fresh)) return;
  // never rebuild the screen under a citizen's finger: apply after the current citizen finishes
  if (current || currentScreen() !== "rate") {
    pendingConfig = fresh;
    return;
  }
  config = fresh;
  renderConfig();
  loadPhoto();
}

// -- pairing and what the tablet still holds -----------------------------------------------------------------------
async function pair(event) {
  event.preventDefault();
  const code = document.getElementById("pair-code").value.trim();
  const error = document.getElementById("pair-error");
  error.textContent = "";
  try {
    const sentAt = Date.now();
    const response = await fetch("/kiosk/api/pair", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code: code }),
      signal: timeoutSignal(API_TIMEOUT_MS),
    });
    const body = await response.json();
    if (!response.ok) {
      error.textContent = body.error ? body.error.message : "Không ghép nối được.";
      return;
    }
    reachable = true;
    await measureClock(sentAt, body);
    token = body.token;
    config = body.config;
    pendingConfig = null;
    await metaSet("token", token);
    await metaSet("config", config);
    blocked = null;
    document.getElementById("pair-code").value = "";
    await start();
  } catch (e) {
    error.textContent = "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.";
  }
}

async function renderHeld() {
  const waiting = (await queueAll()).filter((i) => !i.hold).length;
  const failed = await failedAll();
  const held = document.getElementById("pair-held");
  held.hidden = !waiting && !failed.length;
  document.getElementById("pair-held-text").textContent =
    `Máy đang giữ ${waiting} đánh giá chờ gửi và ${failed.length} đánh giá không gửi được. `
    + "Sau khi ghép nối lại, máy tự gửi tiếp; không xóa dữ liệu trang.";
  renderFailedList(document.getElementById("pair-failed"), failed, false);
}

function describe(item) {
  const label = (item.scale === 5 ? { 5: "Rất hài lòng", 4: "Hài lòng", 3: "Bình thường", 2: "Không hài lòng", 1: "Rất không hài lòng" }
    : { 3: "Rất hài lòng", 2: "Hài lòng", 1: "Không hài lòng" })[item.value] || String(item.value);
  // the tap's time on the server's clock, as the server will store it
  const at = new Date(Date.parse(item.answered_at) + (item.clock_offset_ms || 0));
  return `${label} (${item.scale || "?"} mức) · ${hhmm(at)}`;
}

function renderFailedList(list, failed, actions) {
  // a redraw (a background send ended) keeps what staff have typed and where the cursor is
  const notes = new Map([...list.querySelectorAll("li")].map((li) => [li.dataset.clientId, li.querySelector("input")]));
  const focused = [...notes.entries()].find(([, input]) => input && input === document.activeElement);
  let refocus = null;
  list.replaceChildren();
  for (const item of failed) {
    const li = document.createElement("li");
    li.dataset.clientId = item.client_id;
    const what = document.createElement("div");
    what.textContent = describe(item);
    const why = document.createElement("div");
    why.className = "reason";
    why.textContent = "Lý do: " + (item.reason || "");
    li.append(what, why);
    if (actions) {
      const resend = document.createElement("button");
      resend.type = "button";
      resend.textContent = "Gửi lại";
      resend.addEventListener("click", async () => { await moveToQueue(item); await openFailed(); sync(); });
      const note = document.createElement("input");
      note.placeholder = "Lý do loại bỏ";
      note.setAttribute("aria-label", "Lý do loại bỏ");
      const drop = document.createElement("button");
      drop.type = "button";
      drop.textContent = "Loại bỏ";
      drop.addEventListener("click", () => discardItem(item, note.value));
      li.append(resend, note, drop);
      const before = notes.get(item.client_id);
      if (before) note.value = before.value;
      if (focused && focused[0] === item.client_id) refocus = { note, start: before.selectionStart, end: before.selectionEnd };
    }
    list.append(li);
  }
  if (refocus) {
    refocus.note.focus();
    refocus.note.setSelectionRange(refocus.start, refocus.end);
  }
}

// -- staff panel (behind the staff PIN) -----------------------------------------------------------------------------
function openStaff() {
  staffPin = null;
  document.getElementById("staff-pin").value = "";
  document.getElementById("staff-error").textContent = "";
  document.getElementById("staff-locked").hidden = false;
  document.getElementById("staff-open").hidden = true;
  show("staff");
}
function closeStaff() {
  staffPin = null;
  document.getElementById("staff-failed").replaceChildren(); // the next PIN sees the list as it is then
  show(blocked ? "pair" : "rate");
}
async function unlockStaff(event) {
  event.preventDefault();
  const pin = document.getElementById("staff-pin").value.trim();
  const error = document.getElementById("staff-error");
  try {
    const { response, body } = await api("/kiosk/api/staff/unlock", { method: "POST", body: JSON.stringify({ pin }) });
    if (!response.ok) { error.textContent = body.error ? body.error.message : "Không mở được."; return; }
  } catch (e) {
    error.textContent = "Cần kết nối máy chủ để kiểm tra mã PIN.";
    return;
  }
  staffPin = pin;
  await openFailed(); // drawn before it shows
  document.getElementById("staff-locked").hidden = true;
  document.getElementById("staff-open").hidden = false;
}
async function openFailed() {
  const failed = await failedAll();
  document.getElementById("staff-empty").hidden = failed.length > 0;
  renderFailedList(document.getElementById("staff-failed"), failed, true);
  updateStatus();
}
async function discardItem(item, note) {
  const error = document.getElementById("staff-error");
  error.textContent = "";
  if (!note.trim()) { error.textContent = "Cần ghi lý do loại bỏ."; return; }
  try {
    const { response, body } = await api("/kiosk/api/staff/discard", {
      method: "POST", body: JSON.stringify({ pin: staffPin, client_id: item.client_id, note: note.trim() }),
    });
    if (!response.ok) { error.textContent = body.error ? body.error.message : "Không loại bỏ được."; return; }
  } catch (e) {
    error.textContent = "Cần kết nối máy chủ để ghi lý do loại bỏ.";
    return;
  }
  await failedDelete([item.client_id]);
  await openFailed();
}

// -- start ----------------------------------------------------------------------------------------------------------
async function start() {
  renderConfig();
  loadPhoto();
  // the status line is filled before the rating screen shows: a reloaded tablet says at once what it holds
  try { await updateStatus(); } finally { show("rate"); }
  sync();
  refreshConfig();
}

async function main() {
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/kiosk/sw.js", { scope: "/kiosk/" }).catch(() => {});
  }
  db = await openDb();
  // anything held for a follow-up when the page was closed counts as a plain rating now
  for (const item of await queueAll()) {
    if (item.hold) { item.hold = false; await queuePut(item); }
  }
  token = await metaGet("token");
  config = await metaGet("config");
  clock = (await metaGet("clock")) || null;
  document.getElementById("pair-form").addEventListener("submit", pair);
  document.getElementById("follow-send").addEventListener("click", () => finish(true));
  document.getElementById("follow-skip").addEventListener("click", () => finish(false));
  document.getElementById("thanks-done").addEventListener("click", () => { clearTimeout(thanksTimer); show("rate"); });
  document.getElementById("staff-button").addEventListener("click", () => { if (!current) openStaff(); });
  document.getElementById("staff-form").addEventListener("submit", unlockStaff);
  document.getElementById("staff-close").addEventListener("click", closeStaff);
  ["pointerdown", "keydown"].forEach((e) => document.addEventListener(e, () => {
    const screen = currentScreen();
    if (screen === "follow" || screen === "thanks" || screen === "staff") show(screen); // restart the idle timer
  }));
  window.addEventListener("online", () => { updateStatus(); sync(); refreshConfig(); });
  window.addEventListener("offline", updateStatus);
  setInterval(sync, SYNC_MS);
  setInterval(refreshConfig, CONFIG_MS);
  if (token && config) await start(); else { show("pair"); updateStatus(); }
}

main();
