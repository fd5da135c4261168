/* Hài Lòng kiosk: every rating is written to IndexedDB first, then sent in order; the screen never waits
   for the network. A revoked or unpaired device keeps its queue and says so on screen. */
"use strict";

const IDLE_MS = 30000;
const THANKS_MS = 5000;
const SYNC_MS = 5000;
const BATCH = 50;
// Faces drawn as SVG (no emoji font needed): mood 2 = big smile … -2 = big frown.
const MOOD = { 5: 2, 4: 1, 3: 0, 2: -1, 1: -2 };
const MOOD3 = { 3: 2, 2: 1, 1: -1 };
const SVG = "http://www.w3.org/2000/svg";
const TONE = { 5: "v-good", 4: "v-ok", 3: "v-mid", 2: "v-bad", 1: "v-worst" };
const TONE3 = { 3: "v-good", 2: "v-ok", 1: "v-bad" };

let db = null;
let token = null;
let config = null;
let current = null; // the rating being followed up
let idleTimer = null;
let thanksTimer = null;
let syncing = false;
let blocked = null; // server refused the device: "revoked" or "unknown_device"

// -- IndexedDB --------------------------------------------------------------------------------------------------
function openDb() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open("hailong-kiosk", 1);
    request.onupgradeneeded = () => {
      request.result.createObjectStore("queue", { keyPath: "client_id" });
      request.result.createObjectStore("meta");
    };
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}
function tx(store, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(store, mode);
    const result = fn(t.objectStore(store));
    t.oncomplete = () => resolve(result && "result" in result ? result.result : undefined);
    t.onerror = () => reject(t.error);
  });
}
const metaGet = (key) => tx("meta", "readonly", (s) => s.get(key));
const metaSet = (key, value) => tx("meta", "readwrite", (s) => s.put(value, key));
const queuePut = (item) => tx("queue", "readwrite", (s) => s.put(item));
const queueAll = () => tx("queue", "readonly", (s) => s.getAll());
const queueDelete = (ids) => tx("queue", "readwrite", (s) => ids.forEach((id) => s.delete(id)));

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

// -- screens ----------------------------------------------------------------------------------------------------
function show(name) {
  document.querySelectorAll(".screen").forEach((s) => s.classList.toggle("active", s.id === "screen-" + name));
  clearTimeout(idleTimer);
  if (name === "follow" || name === "thanks") idleTimer = setTimeout(() => finish(), IDLE_MS);
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
    button.addEventListener("click", () => rate(level.value));
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
      const response = await fetch("/kiosk/api/officer-photo", { headers: { Authorization: "Bearer " + token } });
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
async function rate(value) {
  current = { client_id: uuid(), value: value, answered_at: new Date().toISOString(), aspects: [], comment: "",
              dossier_code: "", hold: true };
  await queuePut(current); // stored before anything else: a tap is never lost
  document.querySelectorAll(".aspect").forEach((b) => b.setAttribute("aria-pressed", "false"));
  document.getElementById("follow-comment").value = "";
  document.getElementById("follow-dossier").value = "";
  show("follow");
  updateStatus();
}

async function finish(withFollowUp) {
  clearTimeout(idleTimer);
  clearTimeout(thanksTimer);
  if (current) {
    if (withFollowUp) {
      current.aspects = Array.from(document.querySelectorAll('.aspect[aria-pressed="true"]'), (b) => b.dataset.key);
      current.comment = document.getElementById("follow-comment").value.trim().slice(0, 1000);
      current.dossier_code = document.getElementById("follow-dossier").value.trim().slice(0, 64);
    }
    current.hold = false;
    await queuePut(current);
    current = null;
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

// -- sending ------------------------------------------------------------------------------------------------------
async function updateStatus() {
  const items = await queueAll();
  const net = document.getElementById("status-net");
  net.className = navigator.onLine ? "online" : "offline";
  net.textContent = navigator.onLine ? "● Trực tuyến" : "● Mất kết nối – đánh giá vẫn được lưu trên máy";
  document.getElementById("status-queue").textContent = "Chờ gửi: " + items.length;
  document.getElementById("status-notice").textContent = blocked === "revoked"
    ? "Thiết bị đã bị thu hồi: đánh giá được giữ trên máy. Vui lòng báo cán bộ quản trị."
    : blocked === "unknown_device" ? "Thiết bị chưa được ghép nối lại: đánh giá được giữ trên máy. Báo cán bộ quản trị." : "";
}

async function sync() {
  if (syncing || !token) return;
  syncing = true;
  try {
    for (;;) {
      const items = (await queueAll()).filter((i) => !i.hold).sort((a, b) => a.answered_at.localeCompare(b.answered_at));
      if (!items.length) break;
      const batch = items.slice(0, BATCH).map(({ hold, ...item }) => item);
      let response;
      try {
        response = await fetch("/kiosk/api/ratings", {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: "Bearer " + token },
          body: JSON.stringify({ items: batch, queue_length: items.length }),
        });
      } catch (e) {
        break; // offline: try again later
      }
      if (response.status === 401 || response.status === 403) {
        const body = await response.json().catch(() => ({}));
        blocked = (body.error && body.error.code) || "revoked";
        break;
      }
      if (!response.ok) break; // rate limited or server trouble: keep everything, retry later
      blocked = null;
      const body = await response.json();
      const done = body.results.filter((r) => r.client_id).map((r) => r.client_id);
      const rejected = body.results.filter((r) => r.status === "rejected");
      if (rejected.length) console.warn("kiosk: rejected", rejected);
      await queueDelete(done);
      if (!done.length) break;
    }
  } finally {
    syncing = false;
    updateStatus();
  }
}

async function refreshConfig() {
  if (!navigator.onLine) return;
  try {
    const queue = (await queueAll()).length;
    const response = await fetch("/kiosk/api/config?queue=" + queue, { headers: { Authorization: "Bearer " + token } });
    if (response.status === 401 || response.status === 403) {
      const body = await response.json().catch(() => ({}));
      blocked = (body.error && body.error.code) || "revoked";
    } else if (response.ok) {
      blocked = null;
      config = await response.json();
      await metaSet("config", config);
      renderConfig();
      loadPhoto();
    }
  } catch (e) { /* offline */ }
  updateStatus();
}

// -- pairing ------------------------------------------------------------------------------------------------------
async function pair(event) {
  event.preventDefault();
  const code = document.getElementById("pair-code").value.trim();
  const error = document.getElementById("pair-error");
  error.textContent = "";
  try {
    const response = await fetch("/kiosk/api/pair", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ code: code }),
    });
    const body = await response.json();
    if (!response.ok) {
      error.textContent = body.error ? body.error.message : "Không ghép nối được.";
      return;
    }
    token = body.token;
    config = body.config;
    await metaSet("token", token);
    await metaSet("config", config);
    blocked = null;
    start();
  } catch (e) {
    error.textContent = "Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.";
  }
}

function start() {
  renderConfig();
  loadPhoto();
  show("rate");
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
  document.getElementById("pair-form").addEventListener("submit", pair);
  document.getElementById("follow-send").addEventListener("click", () => finish(true));
  document.getElementById("follow-skip").addEventListener("click", () => finish(false));
  document.getElementById("thanks-done").addEventListener("click", () => { clearTimeout(thanksTimer); show("rate"); });
  ["pointerdown", "keydown"].forEach((e) => document.addEventListener(e, () => {
    if (!document.getElementById("screen-rate").classList.contains("active")
        && !document.getElementById("screen-pair").classList.contains("active")) show(currentScreen());
  }));
  window.addEventListener("online", () => { updateStatus(); sync(); refreshConfig(); });
  window.addEventListener("offline", updateStatus);
  setInterval(sync, SYNC_MS);
  setInterval(refreshConfig, 60000);
  if (token && config) start(); else show("pair");
  updateStatus();
}

function currentScreen() {
  const active = document.querySelector(".screen.active");
  return active ? active.id.replace("screen-", "") : "rate";
}

main();
