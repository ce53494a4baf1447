/* Keyboard answering of a survey form ([data-survey-keys]): inside a question, 1-9 and 0 (=10)
   give the score, Y/N answer a check, and focus moves to the next question; Ctrl+Enter records
   the survey. Runs in the capture phase so the call console's own shortcuts (1-6 outcome ...)
   do not fire while the agent is answering the survey. Loaded with every partial: idempotent. */
(function () {
  if (window.dealercareSurveyKeys) return;
  window.dealercareSurveyKeys = true;

  function focusItem(item) {
    if (!item) return;
    const target = item.querySelector("input:checked") || item.querySelector("input, textarea");
    if (target) target.focus();
  }

  function nextItem(item) {
    const items = Array.from(item.closest("form").querySelectorAll(".survey-item"));
    return items[items.indexOf(item) + 1] || null;
  }

  document.addEventListener("keydown", function (event) {
    const form = event.target.closest && event.target.closest("form[data-survey-keys]");
    if (!form) return;
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      event.stopPropagation();
      form.requestSubmit();
      return;
    }
    if (event.target.tagName === "TEXTAREA" || event.ctrlKey || event.metaKey || event.altKey) return;
    const item = event.target.closest(".survey-item");
    if (!item) return;
    let value = null;
    if (item.dataset.kind === "score" && /^[0-9]$/.test(event.key)) {
      value = event.key === "0" ? "10" : event.key;
    } else if (item.dataset.kind === "yes_no" && /^[yn]$/i.test(event.key)) {
      value = event.key.toLowerCase() === "y" ? "yes" : "no";
    }
    if (value === null) {
      if (/^[0-9a-z]$/i.test(event.key)) event.stopPropagation(); // keep console keys out
      return;
    }
    event.preventDefault();
    event.stopPropagation();
    const input = item.querySelector('input[type=radio][value="' + value + '"]');
    if (!input) return;
    input.checked = true;
    input.dispatchEvent(new Event("change", {bubbles: true}));
    focusItem(nextItem(item) || item);
  }, true);
})();
