// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Select boxes marked data-autosubmit submit their form on change (the language switch).
  document.querySelectorAll("select[data-autosubmit], input[data-autosubmit]").forEach((el) =>
    el.addEventListener("change", () => el.form.requestSubmit()));
  // A refused form opens on its list of problems, each a link to its field.
  document.getElementById("error-summary")?.focus();
});
// A form that withdraws, removes, revokes or unlinks something asks first (its data-confirm says what).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset?.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
}, true);
// htmx requests carry the CSRF token from the page's meta tag.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
// A form refused with 400 comes back with its field messages: show it in place rather than dropping the answer.
document.addEventListener("htmx:beforeSwap", (event) => {
  if (event.detail.xhr.status === 400) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
// Logging out forgets the pages kept for offline use (a shared computer, a borrowed phone).
document.addEventListener("submit", (event) => {
  if (event.target.matches("form[data-forget-pages]") && window.caches) {
    caches.keys().then((names) => names.forEach((name) => caches.delete(name)));
  }
});
