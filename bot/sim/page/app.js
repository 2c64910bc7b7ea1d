/*
 * rugs.fun stand-in page. It speaks Engine.IO 4 / Socket.IO 4 over a plain WebSocket (no socket.io-client
 * bundle, no build step, no external URL) so that the bot's sniffer sees exactly the frames a real page sends:
 * the bot drives this DOM and listens to this socket; it never talks to the server itself.
 *
 * Deliberate realism choices:
 * - the side-bet button only *looks* enabled (class `but-button-active`); a click always sends
 *   `requestSidebet` and the server decides. A bot that ignores the class is caught by a rejection on the wire.
 * - after a reconnect the page re-sends its stored sign-in (like a session cookie) instead of asking the wallet
 *   again; if the server refuses it, the page falls back to logged-out and the user must press Connect.
 */
(function () {
  "use strict";

  const SOL = "So11111111111111111111111111111111111111112";
  const PRACTICE = "0xPractice";
  const MIN_BET = 0.001;
  const WINDOW_TICKS = 40;
  const LAMPORTS = 1e9;

  const el = (id) => document.getElementById(id);
  // Build 2 (bot/sim/site_builds.py) has new CSS-module hashes and a rebuilt side-bet panel without ids.
  const BUILD = document.documentElement.dataset.build === "2" ? 2 : 1;
  const find = BUILD === 2
    ? { amount: '[class*="_sidebetAmount_"] input', toggle: '[class*="_sidebetToggle_"]',
        panel: '[class*="_sidebetPanel_"]', betButton: '[class*="_placeSidebet_"]',
        betWindow: '[class*="_sidebetWindow_"]', betStatus: '[class*="_sidebetStatus_"]' }
    : { amount: "#amount", toggle: "#sidebet-toggle", panel: "#sidebet-panel", betButton: "#bet-button",
        betWindow: "#sidebet-window", betStatus: "#sidebet-status" };
  const CLASSES = BUILD === 2
    ? { toast: "_toast_ivae2", error: "_toastError_ubq54", success: "_toastSuccess_yfvit", open: "_toggleOpen_2y6rk" }
    : { toast: "_toast_q2w8e", error: "_toastError_r5t1y", success: "_toastSuccess_u7i3o", open: "_toggleOpen_i4k7m" };
  const q = (key) => document.querySelector(find[key]);
  const ui = {
    conn: el("conn-status"),
    username: el("username"),
    balance: el("balance"),
    connect: el("connect-button"),
    maintenance: el("maintenance"),
    phase: el("phase"),
    price: el("price"),
    tick: el("tick"),
    gameId: el("game-id"),
    cooldown: el("cooldown"),
    coinSelector: el("coin-selector"),
    coinTicker: el("coin-ticker"),
    coinDropdown: el("coin-dropdown"),
    amount: q("amount"),
    buy: el("buy-button"),
    sell: el("sell-button"),
    toggle: q("toggle"),
    panel: q("panel"),
    betButton: q("betButton"),
    betWindow: q("betWindow"),
    betStatus: q("betStatus"),
    signResult: el("sign-result"),
    modal: el("wallet-modal"),
    phantom: el("phantom-option"),
    modalClose: el("modal-close"),
    modalError: el("modal-error"),
    toasts: el("toasts"),
  };

  const state = {
    ws: null,
    polling: false,  // the websocket was refused and long-polling works: stay on it (socket.io-client does)
    sid: null,
    pingTimeoutMs: 45000,
    watchdog: null,
    reconnectAttempts: 0,
    reconnectTimer: null,
    connected: false,
    nextAckId: 0,
    pendingAcks: new Map(),
    game: { gameId: null, active: false, rugged: false, tickCount: null, price: 1.0, cooldownTimer: 0,
            allowPreRoundBuys: false, cooldownPaused: false, pauseMessage: "" },
    account: { loggedIn: false, auth: null, publicKey: null, playerId: null, username: null,
               cash: null, practice: null },
    coin: SOL,
    sidebet: null,
    lastResult: null,
  };

  // ------------------------------------------------------------------ helpers

  function randomHex(bytes) {
    const a = new Uint8Array(bytes);
    crypto.getRandomValues(a);
    return Array.from(a, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function traceHeader() {
    return { __trace: true, traceparent: "00-" + randomHex(16) + "-" + randomHex(8) + "-01" };
  }

  function isTrace(arg) {
    return arg !== null && typeof arg === "object" && !Array.isArray(arg) && arg.__trace === true;
  }

  function payloadOf(args) {
    for (let i = args.length - 1; i >= 0; i--) {
      if (!isTrace(args[i])) return args[i];
    }
    return undefined;
  }

  function toBase64(bytes) {
    let s = "";
    for (const b of bytes) s += String.fromCharCode(b);
    return btoa(s);
  }

  function toLamports(v) {
    const n = Number(v);
    return Number.isFinite(n) ? Math.round(n * LAMPORTS) : 0;
  }

  function fmtSol(lamports) {
    const s = (lamports / LAMPORTS).toFixed(9).replace(/0+$/, "").replace(/\.$/, "");
    return s === "" ? "0" : s;
  }

  function fmt3(v) {
    return Number.isFinite(v) ? v.toFixed(3) : "—";
  }

  function toast(message, kind) {
    const t = document.createElement("div");
    t.className = CLASSES.toast + " " + (kind === "error" ? CLASSES.error : CLASSES.success);
    t.textContent = message;
    ui.toasts.appendChild(t);
    setTimeout(() => t.remove(), 6000);
  }

  // ------------------------------------------------------------------ socket (Engine.IO 4 / Socket.IO 4)

  function socketUrl() {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    return scheme + "://" + location.host + "/socket.io/?EIO=4&transport=websocket";
  }

  // Engine.IO 4 long-polling behind the WebSocket interface used here (readyState, send, close, onopen,
  // onmessage, onclose): what a Socket.IO client falls back to when a proxy blocks websockets
  // (`rugsbot sim --no-websocket`, bot/sim/polling.py). One GET waits for packets at a time; writes go one
  // POST at a time, in order. The packets of a POST travel in its query (`p=`): the simulator's HTTP parser
  // refuses request bodies.
  function PollingSocket() {
    this.base = location.origin + "/socket.io/?EIO=4&transport=polling";
    this.readyState = 0;
    this.sid = null;
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    this.writes = [];
    this.writing = false;
    this.run();
  }
  PollingSocket.prototype.url = function (extra) {
    return this.base + (this.sid ? "&sid=" + encodeURIComponent(this.sid) : "") + extra + "&t=" + Date.now();
  };
  PollingSocket.prototype.end = function () {
    if (this.readyState === 3) return;
    this.readyState = 3;
    if (this.onclose) this.onclose({});
  };
  PollingSocket.prototype.deliver = function (body) {
    for (const packet of body.split("\x1e")) {
      if (this.readyState !== 1) return;
      if (packet === "1") return this.end();
      if (packet !== "6" && this.onmessage) this.onmessage({ data: packet });
    }
  };
  PollingSocket.prototype.run = async function () {
    try {
      const first = await fetch(this.url(""), { cache: "no-store" });
      const body = await first.text();
      if (!first.ok || body.charAt(0) !== "0") return this.end();
      this.sid = JSON.parse(body.split("\x1e")[0].slice(1)).sid;
      this.readyState = 1;
      if (this.onopen) this.onopen({});
      this.deliver(body);
      while (this.readyState === 1) {
        const r = await fetch(this.url(""), { cache: "no-store" });
        if (!r.ok) return this.end();
        this.deliver(await r.text());
      }
    } catch (e) {
      this.end();
    }
  };
  PollingSocket.prototype.send = function (text) {
    if (this.readyState !== 1) return;
    this.writes.push(text);
    this.flush();
  };
  PollingSocket.prototype.flush = function () {
    if (this.writing || !this.writes.length || this.readyState !== 1) return;
    const packets = this.writes.splice(0).join("\x1e");
    this.writing = true;
    fetch(this.url("&p=" + encodeURIComponent(packets)), { method: "POST", cache: "no-store" }).then(
      (r) => { this.writing = false; if (r.ok) this.flush(); else this.end(); },
      () => { this.writing = false; this.end(); });
  };
  PollingSocket.prototype.close = function () {
    if (this.readyState === 1) {
      fetch(this.url("&p=1"), { method: "POST", cache: "no-store" }).catch(() => {});
    }
    this.end();
  };

  function openSocket(polling) {
    clearTimeout(state.reconnectTimer);
    setConn("connecting");
    const usePolling = polling === true || state.polling;
    let ws;
    try {
      ws = usePolling ? new PollingSocket() : new WebSocket(socketUrl());
    } catch (e) {
      scheduleReconnect();
      return;
    }
    let opened = false;
    state.ws = ws;
    ws.onopen = () => { opened = true; state.polling = usePolling; };
    ws.onmessage = (ev) => { if (state.ws === ws) onFrame(String(ev.data)); };
    ws.onclose = () => {
      if (state.ws !== ws) return;
      if (!opened && !usePolling) {  // the upgrade was refused: try long-polling now (tryAllTransports)
        state.ws = null;
        openSocket(true);
        return;
      }
      if (!opened) state.polling = false;  // polling failed too: back to websocket, with backoff
      onClosed();
    };
    ws.onerror = () => { /* onclose follows */ };
  }

  function armWatchdog() {
    clearTimeout(state.watchdog);
    state.watchdog = setTimeout(() => {
      // No ping within pingInterval + pingTimeout: the link is dead even if TCP has not noticed.
      if (state.ws) state.ws.close();
    }, state.pingTimeoutMs);
  }

  function onClosed() {
    clearTimeout(state.watchdog);
    state.ws = null;
    state.connected = false;
    state.pendingAcks.clear();
    scheduleReconnect();
    render();
  }

  function scheduleReconnect() {
    // socket.io-client defaults: 1 s doubling to 5 s, randomisation 0.5.
    const base = Math.min(1000 * Math.pow(2, state.reconnectAttempts), 5000);
    const delay = Math.round(base * (1 + (Math.random() * 2 - 1) * 0.5));
    state.reconnectAttempts += 1;
    setConn("reconnecting");
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = setTimeout(openSocket, delay);
  }

  function send(text) {
    if (state.ws && state.ws.readyState === WebSocket.OPEN) {
      state.ws.send(text);
      return true;
    }
    return false;
  }

  function emit(name, args, onAck) {
    let id = "";
    if (onAck) {
      id = String(state.nextAckId++);
      state.pendingAcks.set(id, onAck);
    }
    const ok = send("42" + id + JSON.stringify([name, ...args]));
    if (!ok && onAck) {
      state.pendingAcks.delete(id);
      toast("Not connected", "error");
    }
    return ok;
  }

  function onFrame(text) {
    const eio = text.charAt(0);
    if (eio === "0") {
      let open = {};
      try { open = JSON.parse(text.slice(1)); } catch (e) { /* keep defaults */ }
      state.sid = open.sid || null;
      state.pingTimeoutMs = (open.pingInterval || 25000) + (open.pingTimeout || 20000);
      armWatchdog();
      send("40");
      return;
    }
    if (eio === "2") {
      armWatchdog();
      send("3" + text.slice(1));
      return;
    }
    if (eio === "1") {
      if (state.ws) state.ws.close();
      return;
    }
    if (eio !== "4") return;
    const sio = text.charAt(1);
    let rest = text.slice(2);
    if (rest.startsWith("/")) {
      const comma = rest.indexOf(",");
      if (comma < 0 || rest.slice(0, comma) !== "/") return; // only the main namespace
      rest = rest.slice(comma + 1);
    }
    if (sio === "0") {
      onConnected();
    } else if (sio === "1") {
      if (state.ws) state.ws.close();
    } else if (sio === "4") {
      toast("Connection refused by server", "error");
    } else if (sio === "2" || sio === "3") {
      const m = /^(\d*)(\[.*)$/s.exec(rest);
      if (!m) return;
      let arr;
      try { arr = JSON.parse(m[2]); } catch (e) { return; }
      if (!Array.isArray(arr)) return;
      if (sio === "3") {
        const cb = state.pendingAcks.get(m[1]);
        state.pendingAcks.delete(m[1]);
        if (cb) cb(payloadOf(arr));
      } else if (arr.length && typeof arr[0] === "string") {
        onEvent(arr[0], arr.slice(1));
      }
    }
  }

  function onConnected() {
    state.connected = true;
    state.reconnectAttempts = 0;
    setConn("connected");
    if (state.account.loggedIn && state.account.auth) {
      authenticate(state.account.auth, true);
    }
    render();
  }

  function setConn(s) {
    ui.conn.textContent = s;
    ui.conn.dataset.state = s;
  }

  // ------------------------------------------------------------------ server events

  function onEvent(name, args) {
    const p = payloadOf(args);
    switch (name) {
      case "gameStateUpdate": onGameState(p); break;
      case "playerUpdate": onPlayerUpdate(p); break;
      case "currentSidebet": onCurrentSidebet(p); break;
      case "currentSidebetResult": onSidebetResult(p); break;
      case "usernameStatus":
        if (p && p.username) state.account.username = p.username;
        if (p && p.id) state.account.playerId = p.id;
        break;
      case "maintenanceUpdate": onMaintenance(p); break;
      case "standard/newTrade": case "newTrade": break; // cosmetic in the sim
      case "simSignRequest": onSignRequest(p); break;
      default: break; // side features: ignored safely
    }
    render();
  }

  const GAME_FIELDS = [["gameId", "string"], ["active", "boolean"], ["rugged", "boolean"],
    ["tickCount", "number"], ["price", "number"], ["cooldownTimer", "number"], ["allowPreRoundBuys", "boolean"],
    ["cooldownPaused", "boolean"], ["pauseMessage", "string"]];

  function onGameState(p) {
    if (!p || typeof p !== "object" || Array.isArray(p)) return;
    // The drifted backend (bot/sim/site_builds.py) renamed tickCount and sends price as a decimal string;
    // this page build reads both, as the site's own page would after such an update.
    if (typeof p.tickIndex === "number" && !("tickCount" in p)) p.tickCount = p.tickIndex;
    if (typeof p.price === "string" && p.price.trim() !== "" && Number.isFinite(Number(p.price))) {
      p.price = Number(p.price);
    }
    const g = state.game;
    const newGame = typeof p.gameId === "string" && p.gameId !== g.gameId;
    const between = (typeof p.cooldownTimer === "number" && p.cooldownTimer > 0) || p.allowPreRoundBuys === true;
    if (newGame || between) {
      // Minimal cooldown frames omit active/rugged: between games they are false, not "unchanged".
      g.active = false;
      g.rugged = false;
    }
    if (newGame) {
      g.tickCount = null;
      g.price = 1.0;
      if (state.sidebet && state.sidebet.gameId !== p.gameId) state.sidebet = null;
    }
    // Copy only well-typed fields: a malformed frame must not flip the phase (e.g. "active": "yes").
    for (const [k, type] of GAME_FIELDS) {
      if (typeof p[k] === type && (type !== "number" || Number.isFinite(p[k]))) g[k] = p[k];
    }
    if (between) g.tickCount = null;
  }

  function phase() {
    const g = state.game;
    if (g.rugged) return "RUGGED";
    if (g.active) return "ACTIVE";
    if (g.allowPreRoundBuys) return "PRESALE";
    if ((g.cooldownTimer || 0) > 0) return "COOLDOWN";
    return "WAITING";
  }

  function onPlayerUpdate(p) {
    if (!p || typeof p !== "object") return;
    const a = state.account;
    if (typeof p.cash === "number") a.cash = p.cash;
    if (p.shitcoinBalances && typeof p.shitcoinBalances[PRACTICE] === "number") {
      a.practice = p.shitcoinBalances[PRACTICE];
    }
    if (p.id) a.playerId = p.id;
    if (p.username) a.username = p.username;
    // The server's view of our open bet wins: it restores the bet after a reconnect and clears it on settlement.
    if (p.sideBet === null) state.sidebet = null;
    else if (p.sideBet && typeof p.sideBet === "object") onCurrentSidebet(p.sideBet);
  }

  function onCurrentSidebet(p) {
    if (!p || typeof p !== "object") return;
    const known = state.sidebet && state.sidebet.gameId === p.gameId && state.sidebet.startTick === p.startTick;
    state.sidebet = { gameId: p.gameId, startTick: p.startTick, endTick: p.endTick,
                      betAmount: p.betAmount, coinAddress: p.coinAddress };
    if (!known) state.lastResult = null;
  }

  function onSidebetResult(p) {
    if (!p || typeof p !== "object") return;
    state.sidebet = null;
    const won = Number(p.payout) > 0;
    state.lastResult = { won, payout: p.payout, betAmount: p.betAmount, startTick: p.startTick,
                         endTick: p.endTick, tickIndex: p.tickIndex };
    toast(won ? "Side bet WON +" + p.payout : "Side bet lost", won ? "success" : "error");
  }

  function onMaintenance(p) {
    if (p && p.active) {
      ui.maintenance.hidden = false;
      ui.maintenance.textContent = p.message || "Maintenance";
    } else {
      ui.maintenance.hidden = true;
      ui.maintenance.textContent = "";
    }
  }

  // ------------------------------------------------------------------ wallet and login

  function provider() {
    const p = window.phantom && window.phantom.solana;
    return p && p.isPhantom ? p : null;
  }

  async function loginWithPhantom() {
    ui.modalError.textContent = "";
    const wallet = provider();
    if (!wallet) {
      ui.modalError.textContent = "Phantom wallet not found";
      return;
    }
    try {
      const resp = await wallet.connect();
      const publicKey = resp.publicKey.toString();
      const message = "Sign in to rugs.fun sim: " + (state.sid || "-") + " " + Date.now();
      const signed = await wallet.signMessage(new TextEncoder().encode(message), "utf8");
      const auth = { publicKey, message, signature: toBase64(signed.signature) };
      ui.modal.hidden = true;
      authenticate(auth, false);
    } catch (e) {
      const msg = (e && e.message) || String(e);
      ui.modalError.textContent = msg;
      toast(msg, "error");
    }
  }

  function authenticate(auth, silent) {
    emit("authenticate", [traceHeader(), auth], (ack) => {
      if (ack && ack.success) {
        const a = state.account;
        a.loggedIn = true;
        a.auth = auth;
        a.publicKey = auth.publicKey;
        const player = ack.player || {};
        onPlayerUpdate(player);
        if (!silent) toast("Logged in as " + (a.username || a.publicKey), "success");
      } else {
        state.account.loggedIn = false;
        state.account.auth = null;
        toast((ack && (ack.message || ack.error)) || "Login failed", "error");
      }
      render();
    });
  }

  async function onSignRequest(p) {
    const wallet = provider();
    const req = p && typeof p === "object" ? p : {};
    if (!wallet) {
      ui.signResult.textContent = "Transaction request: no wallet";
      return;
    }
    const tx = {
      kind: "transaction",
      description: req.description || "Transfer SOL",
      feePayer: state.account.publicKey,
      recentBlockhash: randomHex(32),
      instructions: [{
        programId: "11111111111111111111111111111111",
        type: "transfer",
        to: req.to || "SimDrain1111111111111111111111111111111111",
        lamports: typeof req.lamports === "number" ? req.lamports : 1000000000,
      }],
    };
    ui.signResult.textContent = "Transaction request: waiting for wallet";
    try {
      await wallet.signTransaction(tx);
      ui.signResult.textContent = "Transaction request: signed";
      emit("simSignResult", [traceHeader(), { id: req.id || null, approved: true }]);
    } catch (e) {
      const msg = (e && e.message) || String(e);
      ui.signResult.textContent = "Transaction request: rejected (" + msg + ")";
      emit("simSignResult", [traceHeader(), { id: req.id || null, approved: false,
                                              code: e && e.code, message: msg }]);
    }
  }

  // ------------------------------------------------------------------ controls

  function amountValue() {
    const n = parseFloat(ui.amount.value);
    return Number.isFinite(n) ? n : 0;
  }

  function setAmountLamports(l) {
    ui.amount.value = fmtSol(Math.max(0, l));
    render();
  }

  function coinBalance() {
    return state.coin === PRACTICE ? state.account.practice : state.account.cash;
  }

  function onControl(btn) {
    const cur = toLamports(amountValue());
    switch (btn.dataset.op) {
      case "add": setAmountLamports(cur + toLamports(btn.dataset.arg)); break;
      case "half": setAmountLamports(Math.floor(cur / 2)); break;
      case "double": setAmountLamports(cur * 2); break;
      case "max": {
        const bal = coinBalance();
        setAmountLamports(typeof bal === "number" ? Math.floor(toLamports(bal) / 1e6) * 1e6 : 0);
        break;
      }
      default: break;
    }
  }

  function betEnabled() {
    return state.account.loggedIn && state.connected && phase() === "ACTIVE" && !state.game.rugged &&
      !state.sidebet && amountValue() >= MIN_BET;
  }

  function placeSidebet() {
    const amount = amountValue();
    const body = { amount: amount, coinAddress: state.coin, xPayout: 5 };
    emit("requestSidebet", [traceHeader(), body], (ack) => {
      if (ack && ack.success) {
        toast(ack.message || "Side bet placed", "success");
      } else {
        toast((ack && (ack.message || ack.error)) || "Side bet rejected", "error");
      }
      render();
    });
  }

  // ------------------------------------------------------------------ rendering

  function render() {
    const g = state.game;
    const a = state.account;
    const ph = phase();
    ui.phase.textContent = ph;
    ui.phase.dataset.phase = ph;
    ui.price.textContent = (Number(g.price) || 0).toFixed(4) + "x";
    ui.tick.textContent = g.tickCount === null || g.tickCount === undefined ? "tick —" : "tick " + g.tickCount;
    ui.gameId.textContent = g.gameId || "";
    ui.cooldown.textContent = ph === "COOLDOWN" || ph === "PRESALE"
      ? "next round in " + ((g.cooldownTimer || 0) / 1000).toFixed(1) + "s" + (g.cooldownPaused ? " (paused)" : "")
      : "";

    ui.connect.hidden = a.loggedIn;
    ui.username.textContent = a.loggedIn ? (a.username || a.publicKey || "") : "";
    const bal = coinBalance();
    const ticker = state.coin === PRACTICE ? "FREE" : "SOL";
    ui.balance.textContent = a.loggedIn && typeof bal === "number" ? fmt3(bal) + " " + ticker : "";
    ui.coinTicker.textContent = ticker;

    const amt = amountValue();
    ui.buy.textContent = "BUY+" + fmt3(amt) + " " + ticker;

    const enabled = betEnabled();
    ui.betButton.classList.toggle("but-button-active", enabled);
    const sb = state.sidebet;
    if (sb) {
      ui.betButton.textContent = "ACTIVE " + sb.startTick + " → " + sb.endTick;
      ui.betWindow.textContent = "active: " + sb.betAmount + " until tick " + sb.endTick;
    } else {
      ui.betButton.textContent = "PLACE SIDEBET " + fmt3(amt) + " " + ticker;
      const t = typeof g.tickCount === "number" ? g.tickCount : null;
      ui.betWindow.textContent = ph === "ACTIVE" && t !== null
        ? "window: tick " + t + " → " + (t + WINDOW_TICKS)
        : "rug within " + WINDOW_TICKS + " ticks";
    }
    const r = state.lastResult;
    ui.betStatus.textContent = r
      ? (r.won ? "WON " + r.payout : "LOST " + r.betAmount) + " (ticks " + r.startTick + "–" + r.endTick + ")"
      : "";
  }

  // ------------------------------------------------------------------ wiring

  ui.connect.addEventListener("click", () => {
    ui.modalError.textContent = "";
    ui.modal.hidden = false;
  });
  ui.modalClose.addEventListener("click", () => { ui.modal.hidden = true; });
  ui.phantom.addEventListener("click", () => { loginWithPhantom(); });
  ui.toggle.addEventListener("click", () => {
    ui.panel.hidden = !ui.panel.hidden;
    ui.toggle.classList.toggle(CLASSES.open, !ui.panel.hidden);
  });
  ui.betButton.addEventListener("click", placeSidebet);
  ui.amount.addEventListener("input", render);
  document.querySelector('[class*="_clearButton_"]').addEventListener("click", () => setAmountLamports(0));
  for (const b of document.querySelectorAll('[class*="_controlBtn_"]')) {
    b.addEventListener("click", () => onControl(b));
  }
  ui.coinSelector.addEventListener("click", () => { ui.coinDropdown.hidden = !ui.coinDropdown.hidden; });
  for (const opt of ui.coinDropdown.querySelectorAll('[class*="_coinOption_"]')) {
    opt.addEventListener("click", () => {
      state.coin = opt.dataset.coin;
      ui.coinDropdown.hidden = true;
      render();
    });
  }
  ui.buy.addEventListener("click", () => toast("Trading is not simulated", "error"));
  ui.sell.addEventListener("click", () => toast("Trading is not simulated", "error"));

  render();
  openSocket();
})();
