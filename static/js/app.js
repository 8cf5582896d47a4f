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
// A form that failed: focus its first invalid field (or the form's own error), so keyboard
// and screen-reader users land on what to fix; the field's aria-describedby reads the error.
document.addEventListener("DOMContentLoaded", () => {
  const first = document.querySelector("main [aria-invalid='true'], main [data-first-error]");
  if (!first) return;
  first.focus({ preventScroll: true });
  first.scrollIntoView({ block: "center" });
});
// Menus (<details class="menu">): ArrowDown/ArrowUp move between items, Home/End go to the
// first/last, Escape closes and returns to the button (above); ArrowDown on the button opens it.
function menuItems(menu) {
  return [...menu.querySelectorAll("[role='menuitem']")].filter((item) => !item.disabled && item.offsetParent !== null);
}
document.addEventListener("keydown", (event) => {
  const menu = event.target.closest?.("details.menu");
  if (!menu) return;
  const onButton = event.target.matches("summary");
  if (onButton && (event.key === "ArrowDown" || event.key === "ArrowUp")) {
    event.preventDefault();
    menu.setAttribute("open", "");
    const items = menuItems(menu);
    (event.key === "ArrowDown" ? items[0] : items[items.length - 1])?.focus();
    return;
  }
  if (onButton || !menu.open) return;
  const items = menuItems(menu);
  const at = items.indexOf(event.target);
  const moves = {
    ArrowDown: (at + 1) % items.length,
    ArrowUp: (at - 1 + items.length) % items.length,
    Home: 0,
    End: items.length - 1,
  };
  if (!(event.key in moves) || !items.length) return;
  event.preventDefault();
  items[moves[event.key]].focus();
});
// A menu opened with a click or Enter puts focus on its first item, as menus do.
document.addEventListener("toggle", (event) => {
  const menu = event.target;
  if (!menu.matches?.("details.menu") || !menu.open) return;
  if (menu.contains(document.activeElement) && document.activeElement.matches("summary")) {
    menuItems(menu)[0]?.focus();
  }
}, true);
