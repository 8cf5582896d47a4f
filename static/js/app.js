// Small progressive enhancements; every page works without this file.
document.addEventListener("click", (event) => {
  const dismiss = event.target.closest("[data-dismiss]");
  if (dismiss) dismiss.closest(".notification")?.remove();
  // Close other open menus when one opens or the page is clicked elsewhere.
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    if (!menu.contains(event.target)) menu.removeAttribute("open");
  });
});
document.addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  document.querySelectorAll("details.menu[open]").forEach((menu) => {
    menu.removeAttribute("open");
    menu.querySelector("summary")?.focus();
  });
});
// Poll [data-poll] regions (job progress) and swap in the fresh fragment.
function poll(region) {
  const url = region.dataset.poll;
  const every = Number(region.dataset.pollEvery || 1500);
  setTimeout(async () => {
    try {
      const response = await fetch(url, { headers: { "X-Requested-With": "fetch" } });
      if (response.ok) {
        const fresh = document.createElement("div");
        fresh.innerHTML = await response.text();
        const next = fresh.firstElementChild;
        region.replaceWith(next);
        if (next?.dataset?.poll) poll(next);
        return;
      }
    } catch (error) { /* network blip: try again */ }
    poll(region);
  }, every);
}
document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-poll]").forEach(poll));
// "Select all" in a [data-select-group] (bulk send recipients).
document.addEventListener("change", (event) => {
  if (!event.target.matches("[data-select-all]")) return;
  const group = event.target.closest("[data-select-group]");
  group?.querySelectorAll("input[type=checkbox]:not([data-select-all])").forEach((box) => {
    box.checked = event.target.checked;
  });
});
// A conversation opens at its newest message.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-thread]").forEach((thread) => { thread.scrollTop = thread.scrollHeight; });
});
// Import Map step: choosing another column refreshes the preview at once.
document.addEventListener("change", (event) => {
  const select = event.target.closest("select[data-preview-on-change]");
  const button = select?.form?.querySelector("[data-preview-button]");
  if (button) select.form.requestSubmit(button);
});
