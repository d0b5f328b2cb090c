// Pickers that apply at once: a <select data-submit-on-change> submits its form when changed, so the page (and every
// download link built from it) follows what is picked. No inline script: the CSP allows only files like this one.
document.addEventListener("change", (event) => {
  const field = event.target;
  if (!(field instanceof HTMLSelectElement) || !field.hasAttribute("data-submit-on-change") || !field.form) return;
  field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
});
