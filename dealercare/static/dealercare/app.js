// Dealercare: small behaviours shared by every page (HTMX does the rest).
// Tabler's UMD bundle exposes Bootstrap's components as window.tabler.*.
document.addEventListener("htmx:afterSwap", function (event) {
  // A swapped-in modal opens itself.
  const modal = event.detail.target.querySelector(".modal");
  if (modal && window.tabler && window.tabler.Modal) {
    window.tabler.Modal.getOrCreateInstance(modal).show();
  }
});
