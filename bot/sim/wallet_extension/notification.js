"use strict";
// One pending dapp request (?req=<id>), shown the way Phantom's notification window shows it: the unlock form
// while locked, then the account header, what is asked, and Cancel / Connect|Confirm.
const reqId = new URLSearchParams(location.search).get("req") || "";
const TITLES = { connect: "Connection request", signMessage: "Sign Message", signTransaction: "Confirm Transaction" };
const primary = document.querySelector('[data-testid="primary-button"]');
const secondary = document.querySelector('[data-testid="secondary-button"]');

function show(view) {
  for (const v of ["unlock-view", "request-view", "done-view"]) $(v).hidden = v !== view;
}

function done(text) {
  $("done-message").textContent = text;
  show("done-view");
  setTimeout(() => window.close(), 150);
}

async function load() {
  spinner(true);
  const res = await send({ type: "getRequest", id: reqId });
  spinner(false);
  const req = res.request;
  if (!req) { done("This request has expired."); return; }
  if (!res.unlocked) { show("unlock-view"); $("password").focus(); return; }
  $("request-title").textContent = TITLES[req.kind] || req.kind;
  $("request-origin").textContent = req.origin;
  $("request-detail").textContent = req.kind === "connect"
    ? "This site wants to view your public key and request approval for transactions."
    : (req.count > 1 ? req.count + " transactions\n\n" : "") + req.display;
  primary.textContent = req.kind === "connect" ? "Connect" : "Confirm";
  show("request-view");
}

async function decide(approved) {
  $("request-error").textContent = "";
  const res = await send({ type: "decide", id: reqId, approved });
  if (res.ok) done(approved ? "Approved" : "Rejected");
  else $("request-error").textContent = res.error || "Failed";
}

wireUnlockForm($("unlock-form"), $("password"), $("unlock-error"), load);
primary.addEventListener("click", () => decide(true));
secondary.addEventListener("click", () => decide(false));
load();
