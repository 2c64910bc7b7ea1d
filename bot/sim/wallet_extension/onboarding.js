"use strict";
const $ = (id) => document.getElementById(id);

function showDone(publicKey, text) {
  $("create-view").hidden = true;
  $("done-view").hidden = false;
  $("status").textContent = text;
  $("public-key").textContent = publicKey;
}

chrome.runtime.sendMessage({ type: "status" }, (st) => {
  if (st && st.exists) showDone(st.publicKey, "Wallet already exists");
});

$("create-button").addEventListener("click", () => {
  $("error").textContent = "";
  chrome.runtime.sendMessage(
    { type: "create", password: $("password").value, confirm: $("confirm-password").value },
    (res) => {
      $("password").value = "";
      $("confirm-password").value = "";
      if (res && res.ok) showDone(res.publicKey, "Wallet created");
      else $("error").textContent = (res && res.error) || "Could not create the wallet";
    },
  );
});
