// Small behaviours without inline scripts (the CSP forbids them).
document.addEventListener("DOMContentLoaded", () => {
  // Select boxes marked data-autosubmit submit their form on change (the language switch).
  document.querySelectorAll("select[data-autosubmit], input[data-autosubmit]").forEach((el) =>
    el.addEventListener("change", () => el.form.requestSubmit()));
});
// htmx requests carry the CSRF token from the page's meta tag.
document.addEventListener("htmx:configRequest", (event) => {
  const meta = document.querySelector('meta[name="csrf-token"]');
  if (meta) event.detail.headers["X-CSRFToken"] = meta.content;
});
