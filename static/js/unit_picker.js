// The unit picker (provinces/widgets.py): a filter box above each <select data-unit-picker>. Typing keeps the units
// whose name, code or parent matches, without diacritics ("na ri" finds "Huyện Na Rì"), and shows them as a list;
// Enter or a click picks one. No inline script, no outside file: the CSP allows this file only.
(() => {
  const fold = (text) => text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "").toLowerCase().replace(/[^0-9a-z]+/g, " ").trim();

  const enhance = (select) => {
    if (select.dataset.unitPickerReady) return;
    select.dataset.unitPickerReady = "1";
    const box = document.createElement("input");
    box.type = "search";
    box.className = "form-control form-control-sm mb-1 unit-picker-filter";
    box.placeholder = select.dataset.filterPlaceholder || "";
    box.setAttribute("aria-label", select.dataset.filterLabel || "");
    box.setAttribute("aria-controls", select.id);
    box.autocomplete = "off";
    const empty = document.createElement("div");
    empty.className = "form-text text-danger unit-picker-empty";
    empty.textContent = select.dataset.noMatch || "";
    empty.hidden = true;
    select.before(box);
    select.after(empty);
    const options = Array.from(select.options);
    const search = (option) => option.dataset.search || fold(option.textContent);

    const filter = () => {
      const words = fold(box.value).split(" ").filter(Boolean);
      let shown = 0;
      let first = null;
      for (const option of options) {
        const text = search(option);
        const match = words.every((word) => text.includes(word));
        option.hidden = !match;
        if (match) { shown += 1; first = first || option; }
      }
      for (const group of select.querySelectorAll("optgroup")) {
        group.hidden = !Array.from(group.children).some((option) => !option.hidden);
      }
      empty.hidden = shown > 0;
      select.size = words.length ? Math.max(2, Math.min(8, shown)) : 0;
      if (words.length && first && (select.selectedOptions[0] || {}).hidden !== false) first.selected = true;
    };
    box.addEventListener("input", filter);
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter") {
        event.preventDefault();
        const first = options.find((option) => !option.hidden);
        if (first) { first.selected = true; select.dispatchEvent(new Event("change", {bubbles: true})); }
        box.value = "";
        filter();
      }
    });
    select.addEventListener("click", () => { if (box.value) { box.value = ""; filter(); } });
  };

  const start = () => document.querySelectorAll("select[data-unit-picker]").forEach(enhance);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start); else start();
  document.addEventListener("htmx:afterSettle", start);
})();
