"use strict";
// Create the wallet: Phantom's password step (password, confirmation, terms), then "You're all ready!".

function showDone(publicKey, text) {
  $("create-view").hidden = true;
  $("done-view").hidden = false;
  $("status").textContent = text;
  $("public-key").textContent = publicKey;
}

send({ type: "status" }).then((st) => {
  if (st.exists) showDone(st.publicKey, "Wallet already exists");
});

$("create-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  $("error").textContent = "";
  spinner(true);
  const res = await send({
    type: "create", password: $("password").value, confirm: $("confirm-password").value, terms: $("terms").checked,
  });
  spinner(false);
  $("password").value = "";
  $("confirm-password").value = "";
  if (res.ok) showDone(res.publicKey, "You're all ready!");
  else $("error").textContent = res.error || "Could not create the wallet";
});
document.querySelector('[data-testid="onboarding-complete-done"]').addEventListener("click", () => {
  location.replace("popup.html");
});
