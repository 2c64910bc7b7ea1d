/*
 * MAIN-world provider: what a dapp sees as window.phantom.solana. It holds no secret and decides nothing;
 * every request goes through window.postMessage to the isolated content script and on to the background,
 * which asks the user in a request window (notification.html) — the same trust boundary as the real Phantom.
 */
(function () {
  "use strict";
  if (window.phantom && window.phantom.solana && window.phantom.solana.__rugsbotSim) return;

  const TO_CONTENT = "rugsbot-phantom-content";
  const TO_INPAGE = "rugsbot-phantom-inpage";
  const ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
  const pending = new Map();
  const listeners = new Map();
  let seq = 0;

  function base58Decode(s) {
    const bytes = [0];
    for (const ch of s) {
      let carry = ALPHABET.indexOf(ch);
      if (carry < 0) throw new Error("bad base58");
      for (let i = 0; i < bytes.length; i++) {
        carry += bytes[i] * 58;
        bytes[i] = carry & 0xff;
        carry >>= 8;
      }
      while (carry > 0) { bytes.push(carry & 0xff); carry >>= 8; }
    }
    for (const ch of s) { if (ch === "1") bytes.push(0); else break; }
    return new Uint8Array(bytes.reverse());
  }

  function bytesToB64(bytes) {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  function b64ToBytes(b64) {
    const s = atob(b64);
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
    return out;
  }

  function makePublicKey(b58) {
    return Object.freeze({
      toString: () => b58,
      toBase58: () => b58,
      toJSON: () => b58,
      toBytes: () => base58Decode(b58),
      equals: (other) => other != null && String(other) === b58,
    });
  }

  function providerError(err) {
    const e = new Error((err && err.message) || "Unknown error");
    e.code = (err && err.code) || 4001;
    return e;
  }

  function request(method, params) {
    const id = "r" + (++seq) + "-" + Math.random().toString(36).slice(2);
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      window.postMessage({ target: TO_CONTENT, id, method, params: params || {} }, window.location.origin);
    });
  }

  window.addEventListener("message", (ev) => {
    if (ev.source !== window || !ev.data || ev.data.target !== TO_INPAGE) return;
    const p = pending.get(ev.data.id);
    if (!p) return;
    pending.delete(ev.data.id);
    if (ev.data.error) p.reject(providerError(ev.data.error));
    else p.resolve(ev.data.result);
  });

  function emit(name, arg) {
    for (const fn of listeners.get(name) || []) {
      try { fn(arg); } catch (e) { /* a dapp listener must not break the wallet */ }
    }
  }

  function summarizeTx(tx) {
    if (tx && typeof tx.serialize === "function") {
      try {
        return { serialized: bytesToB64(tx.serialize({ requireAllSignatures: false, verifySignatures: false })) };
      } catch (e) { /* fall through to JSON */ }
    }
    let json;
    try {
      json = JSON.stringify(tx, (k, v) => (typeof v === "function" ? undefined : v));
    } catch (e) {
      json = String(tx);
    }
    return { json: String(json).slice(0, 4000) };
  }

  const provider = {
    __rugsbotSim: true,
    isPhantom: true,
    publicKey: null,
    isConnected: false,

    async connect(opts) {
      const res = await request("connect", { onlyIfTrusted: !!(opts && opts.onlyIfTrusted) });
      provider.publicKey = makePublicKey(res.publicKey);
      provider.isConnected = true;
      emit("connect", provider.publicKey);
      return { publicKey: provider.publicKey };
    },

    async disconnect() {
      await request("disconnect", {});
      provider.publicKey = null;
      provider.isConnected = false;
      emit("disconnect");
    },

    async signMessage(message, display) {
      if (!(message instanceof Uint8Array)) throw providerError({ code: -32602, message: "message must be a Uint8Array" });
      const res = await request("signMessage", { message: bytesToB64(message), display: display || "utf8" });
      return { signature: b64ToBytes(res.signature), publicKey: makePublicKey(res.publicKey) };
    },

    async signTransaction(tx) {
      const res = await request("signTransaction", { transactions: [summarizeTx(tx)] });
      return withSignature(tx, res.publicKey, res.signatures[0]);
    },

    async signAllTransactions(txs) {
      const list = Array.from(txs || []);
      const res = await request("signAllTransactions", { transactions: list.map(summarizeTx) });
      return list.map((tx, i) => withSignature(tx, res.publicKey, res.signatures[i]));
    },

    async signAndSendTransaction(tx) {
      const res = await request("signTransaction", { transactions: [summarizeTx(tx)], send: true });
      return { signature: res.signatures[0], publicKey: res.publicKey };
    },

    async request(args) {
      const method = args && args.method;
      const params = (args && args.params) || {};
      if (method === "connect") return provider.connect(params);
      if (method === "disconnect") return provider.disconnect();
      if (method === "signMessage") return provider.signMessage(params.message, params.display);
      if (method === "signTransaction") return provider.signTransaction(params.transaction);
      if (method === "signAllTransactions") return provider.signAllTransactions(params.transactions);
      throw providerError({ code: -32601, message: "Method not found" });
    },

    on(name, fn) {
      if (!listeners.has(name)) listeners.set(name, new Set());
      listeners.get(name).add(fn);
      return provider;
    },
    off(name, fn) {
      const s = listeners.get(name);
      if (s) s.delete(fn);
      return provider;
    },
    removeListener(name, fn) { return provider.off(name, fn); },
  };

  function withSignature(tx, publicKey, signatureB64) {
    const sig = { publicKey: makePublicKey(publicKey), signature: b64ToBytes(signatureB64) };
    if (tx && typeof tx === "object") {
      const out = Object.assign(Object.create(Object.getPrototypeOf(tx)), tx);
      out.signatures = (Array.isArray(tx.signatures) ? tx.signatures : []).concat([sig]);
      return out;
    }
    return { transaction: tx, signatures: [sig] };
  }

  const phantom = Object.freeze({ solana: provider });
  Object.defineProperty(window, "phantom", { value: phantom, configurable: false, enumerable: true, writable: false });
  if (!window.solana) {
    Object.defineProperty(window, "solana", { value: provider, configurable: false, enumerable: true, writable: false });
  }
})();
