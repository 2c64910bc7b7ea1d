/*
 * Service worker: the only place that holds the wallet secret and decides. Every connect / signMessage /
 * signTransaction from a page opens a request window on notification.html (like Phantom), so whoever drives
 * the browser must approve or reject it explicitly; closing the window rejects.
 *
 * Honesty note: this is a stand-in. The "secret" is 32 random bytes kept unencrypted in chrome.storage.local,
 * the public key is base58(SHA-256(secret)) and signatures are HMAC-SHA256(secret, message) — deterministic and
 * verifiable only by someone holding the secret. It protects nothing; it only behaves like a wallet UI.
 */
"use strict";

const REJECTED = { code: 4001, message: "User rejected the request." };
const UNAUTHORIZED = { code: 4100, message: "The requested method and/or account has not been authorized by the user." };
const NOT_SET_UP = { code: 4100, message: "Wallet not set up." };
const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const MIN_PASSWORD = 8;

const pending = new Map(); // request id -> {kind, origin, params, display, respond, windowId}

// ---------------------------------------------------------------- encoding and hashing

function base58Encode(bytes) {
  const digits = [0];
  for (const b of bytes) {
    let carry = b;
    for (let i = 0; i < digits.length; i++) {
      carry += digits[i] << 8;
      digits[i] = carry % 58;
      carry = (carry / 58) | 0;
    }
    while (carry > 0) { digits.push(carry % 58); carry = (carry / 58) | 0; }
  }
  let out = "";
  for (const b of bytes) { if (b === 0) out += "1"; else break; }
  for (let i = digits.length - 1; i >= 0; i--) out += ALPHABET[digits[i]];
  return out;
}

function toB64(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s);
}

function fromB64(b64) {
  const s = atob(b64);
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

function toHex(bytes) {
  return Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
}

async function passwordHash(saltB64, password) {
  const salt = fromB64(saltB64);
  const pw = new TextEncoder().encode(password);
  const buf = new Uint8Array(salt.length + pw.length);
  buf.set(salt, 0);
  buf.set(pw, salt.length);
  return toHex(await sha256(buf));
}

async function hmac(secretB64, bytes) {
  const key = await crypto.subtle.importKey("raw", fromB64(secretB64), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return toB64(await crypto.subtle.sign("HMAC", key, bytes));
}

// ---------------------------------------------------------------- storage

async function getWallet() {
  const { wallet } = await chrome.storage.local.get("wallet");
  return wallet || null;
}

async function getTrusted() {
  const { trustedOrigins } = await chrome.storage.local.get("trustedOrigins");
  return Array.isArray(trustedOrigins) ? trustedOrigins : [];
}

async function isUnlocked() {
  // storage.session lives in memory only: a browser restart locks the wallet again.
  const { unlocked } = await chrome.storage.session.get("unlocked");
  return unlocked === true;
}

async function pendingInterstitials() {
  const { interstitials } = await chrome.storage.local.get("interstitials");
  return Array.isArray(interstitials) ? interstitials : [];
}

async function status() {
  const wallet = await getWallet();
  const unlocked = wallet ? await isUnlocked() : false;
  return {
    exists: !!wallet,
    unlocked,
    publicKey: wallet ? wallet.publicKey : null,
    trustedOrigins: await getTrusted(),
    interstitial: unlocked ? (await pendingInterstitials())[0] || null : null,
  };
}

async function dismissInterstitial() {
  await chrome.storage.local.set({ interstitials: (await pendingInterstitials()).slice(1) });
  return { ok: true };
}

async function createWallet(password, confirm, terms) {
  if (await getWallet()) return { ok: false, error: "Wallet already exists" };
  if (typeof password !== "string" || password.length < MIN_PASSWORD) {
    return { ok: false, error: "Password must be at least " + MIN_PASSWORD + " characters" };
  }
  if (password !== confirm) return { ok: false, error: "Passwords do not match" };
  if (terms !== true) return { ok: false, error: "Please accept the Terms of Service" };
  const secret = crypto.getRandomValues(new Uint8Array(32));
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const saltB64 = toB64(salt);
  const wallet = {
    version: 1,
    secret: toB64(secret),
    publicKey: base58Encode(await sha256(secret)),
    salt: saltB64,
    passwordHash: await passwordHash(saltB64, password),
    createdAt: Date.now(),
  };
  // Like Phantom after an update, the popup first announces new networks, each answered once.
  await chrome.storage.local.set({ wallet, trustedOrigins: [], interstitials: ["Sui", "Monad"] });
  await chrome.storage.session.set({ unlocked: true });
  return { ok: true, publicKey: wallet.publicKey };
}

async function unlock(password) {
  const wallet = await getWallet();
  if (!wallet) return { ok: false, error: "Wallet not set up" };
  if (typeof password !== "string" || (await passwordHash(wallet.salt, password)) !== wallet.passwordHash) {
    return { ok: false, error: "Incorrect password" };
  }
  await chrome.storage.session.set({ unlocked: true });
  return { ok: true, publicKey: wallet.publicKey };
}

async function lock() {
  await chrome.storage.session.set({ unlocked: false });
  return { ok: true };
}

// ---------------------------------------------------------------- dapp requests

function decodeMessage(b64) {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(fromB64(b64));
  } catch (e) {
    return "0x" + toHex(fromB64(b64));
  }
}

async function openApproval(kind, origin, params, display, respond) {
  const id = crypto.randomUUID();
  pending.set(id, { kind, origin, params, display, respond, windowId: null });
  try {
    const win = await chrome.windows.create({
      url: "notification.html?req=" + encodeURIComponent(id), type: "popup", width: 360, height: 600, focused: true,
    });
    const p = pending.get(id);
    if (p) p.windowId = win.id;
  } catch (e) {
    pending.delete(id);
    respond({ error: { code: 4900, message: "Could not open the request window" } });
  }
}

async function handleRpc(msg, respond) {
  const origin = String(msg.origin || "");
  const params = msg.params || {};
  const wallet = await getWallet();
  if (!wallet) {
    chrome.tabs.create({ url: "onboarding.html" });
    respond({ error: NOT_SET_UP });
    return;
  }
  const trusted = (await getTrusted()).includes(origin);
  const unlocked = await isUnlocked();
  switch (msg.method) {
    case "connect":
      if (trusted && unlocked) { respond({ result: { publicKey: wallet.publicKey } }); return; }
      if (params.onlyIfTrusted) { respond({ error: REJECTED }); return; }
      await openApproval("connect", origin, params, "Connect to " + origin, respond);
      return;
    case "disconnect":
      respond({ result: { ok: true } });
      return;
    case "signMessage":
      if (!trusted) { respond({ error: UNAUTHORIZED }); return; }
      await openApproval("signMessage", origin, params, decodeMessage(params.message || ""), respond);
      return;
    case "signTransaction":
    case "signAllTransactions": {
      if (!trusted) { respond({ error: UNAUTHORIZED }); return; }
      const txs = Array.isArray(params.transactions) ? params.transactions : [];
      const display = txs.map((t) => t.json || t.serialized || "").join("\n\n");
      await openApproval("signTransaction", origin, params, display, respond);
      return;
    }
    default:
      respond({ error: { code: -32601, message: "Method not found" } });
  }
}

async function fulfil(req) {
  const wallet = await getWallet();
  if (req.kind === "connect") {
    const trusted = await getTrusted();
    if (!trusted.includes(req.origin)) await chrome.storage.local.set({ trustedOrigins: trusted.concat([req.origin]) });
    return { result: { publicKey: wallet.publicKey } };
  }
  if (req.kind === "signMessage") {
    const signature = await hmac(wallet.secret, fromB64(req.params.message || ""));
    return { result: { signature, publicKey: wallet.publicKey } };
  }
  const txs = Array.isArray(req.params.transactions) ? req.params.transactions : [];
  const signatures = [];
  for (const t of txs) {
    signatures.push(await hmac(wallet.secret, new TextEncoder().encode("tx:" + JSON.stringify(t))));
  }
  return { result: { signatures, publicKey: wallet.publicKey } };
}

async function decide(id, approved) {
  const req = pending.get(id);
  if (!req) return { ok: false, error: "Request expired" };
  if (approved && !(await isUnlocked())) return { ok: false, error: "Wallet is locked" };
  pending.delete(id);
  req.respond(approved ? await fulfil(req) : { error: REJECTED });
  return { ok: true };
}

function describe(id) {
  const req = pending.get(id);
  if (!req) return null;
  return { id, kind: req.kind, origin: req.origin, display: req.display,
           count: Array.isArray(req.params.transactions) ? req.params.transactions.length : 0 };
}

// ---------------------------------------------------------------- wiring

chrome.windows.onRemoved.addListener((windowId) => {
  for (const [id, req] of pending) {
    if (req.windowId === windowId) {
      pending.delete(id);
      req.respond({ error: REJECTED });
    }
  }
});

chrome.runtime.onInstalled.addListener(async () => {
  if (!(await getWallet())) chrome.tabs.create({ url: "onboarding.html" });
});

chrome.runtime.onMessage.addListener((msg, sender, sendResponse) => {
  const fromExtensionPage = sender.id === chrome.runtime.id && (sender.url || "").startsWith(chrome.runtime.getURL(""));
  const run = async () => {
    if (msg.type === "rpc") {
      if (!sender.tab) return { error: { code: 4900, message: "No tab" } };
      // Trust the browser's idea of the sender's origin over anything the message claims.
      msg.origin = sender.origin || msg.origin;
      return await new Promise((resolve) => {
        handleRpc(msg, resolve).catch((e) => resolve({ error: { code: 4900, message: String(e) } }));
      });
    }
    // Everything below is wallet UI: only the extension's own pages may call it, never a web page.
    if (!fromExtensionPage) return { ok: false, error: "Forbidden" };
    switch (msg.type) {
      case "status": return await status();
      case "create": return await createWallet(msg.password, msg.confirm, msg.terms);
      case "dismissInterstitial": return await dismissInterstitial();
      case "unlock": return await unlock(msg.password);
      case "lock": return await lock();
      case "getRequest": return { request: describe(msg.id), unlocked: await isUnlocked() };
      case "decide": return await decide(msg.id, msg.approved === true);
      default: return { ok: false, error: "Unknown message" };
    }
  };
  run().then(sendResponse, (e) => sendResponse({ ok: false, error: String(e) }));
  return true;
});
