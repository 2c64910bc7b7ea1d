/*
 * Shared by the wallet's own pages (popup, notification, onboarding): element lookup by id, the background
 * round trip, the spinner, and the unlock form. Element names and wording follow the real Phantom's
 * (bot/browser/selectors.py PHANTOM_WALLET) so the bot drives this stand-in through the real-Phantom code path.
 */
"use strict";
const $ = (id) => document.getElementById(id);
const send = (msg) => new Promise((resolve) => chrome.runtime.sendMessage(msg, (res) => resolve(res || {})));

function spinner(on) {
  $("spinner").hidden = !on;
}

// Submit the unlock form; resolves true once unlocked. The simulator's "stuck spinner" fault
// (chrome.storage.local simStuckSpinner = true) unlocks the wallet but leaves the spinner turning until
// the page is reloaded, like the flaky unlock the maintained automation of Phantom reloads its way out of.
async function submitUnlock(input, errorBox) {
  errorBox.textContent = "";
  spinner(true);
  const res = await send({ type: "unlock", password: input.value });
  input.value = "";
  const { simStuckSpinner } = await chrome.storage.local.get("simStuckSpinner");
  if (res.ok && simStuckSpinner === true) {
    await chrome.storage.local.remove("simStuckSpinner");
    return new Promise(() => {});
  }
  spinner(false);
  if (!res.ok) errorBox.textContent = res.error || "Unlock failed";
  return res.ok === true;
}

function wireUnlockForm(form, input, errorBox, onUnlocked) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    if (await submitUnlock(input, errorBox)) onUnlocked();
  });
}
