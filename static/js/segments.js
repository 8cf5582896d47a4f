// Live SMS segment count and the Insert opt-out link button (compliance/segments.py is the reference).
(() => {
  const BASIC = new Set(Array.from(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?" +
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"));
  const EXTENSION = new Set(Array.from("\f^{}\\[~]|€"));
  const LIMITS = { "GSM-7": [160, 153], "UCS-2": [70, 67] };

  function pack(units, single, multi) {
    const total = units.reduce((a, b) => a + b, 0);
    if (total === 0) return 0;
    if (total <= single) return 1;
    let segments = 1, used = 0;
    for (const size of units) {
      if (used + size > multi) { segments += 1; used = 0; }
      used += size;
    }
    return segments;
  }

  function count(text) {
    const chars = Array.from(text); // code points, like Python's str
    const gsm = chars.every((c) => BASIC.has(c) || EXTENSION.has(c));
    const encoding = gsm ? "GSM-7" : "UCS-2";
    const units = chars.map((c) => (gsm ? (EXTENSION.has(c) ? 2 : 1) : (c.codePointAt(0) > 0xffff ? 2 : 1)));
    const [single, multi] = LIMITS[encoding];
    return { encoding, units: units.reduce((a, b) => a + b, 0), segments: pack(units, single, multi) };
  }

  function setUp(tools) {
    const field = document.getElementById(tools.dataset.segmentsFor);
    if (!field) return;
    const placeholder = tools.dataset.placeholder;
    const link = "x".repeat(Number(tools.dataset.linkLength));
    const output = tools.querySelector("[data-segment-count]");
    const update = () => {
      const info = count(field.value.trim().split(placeholder).join(link));
      output.textContent = `${info.units} characters · ${info.segments} SMS segment${info.segments === 1 ? "" : "s"} (${info.encoding})`;
    };
    const button = tools.querySelector("[data-insert-link]");
    button.hidden = false;
    button.addEventListener("click", () => {
      const start = field.selectionStart ?? field.value.length;
      const end = field.selectionEnd ?? start;
      const before = field.value.slice(0, start);
      const gap = before && !/\s$/.test(before) ? " " : "";
      field.value = before + gap + placeholder + field.value.slice(end);
      const caret = start + gap.length + placeholder.length;
      field.focus();
      field.setSelectionRange(caret, caret);
      update();
    });
    field.addEventListener("input", update);
    update();
  }

  document.addEventListener("DOMContentLoaded", () => document.querySelectorAll("[data-segments-for]").forEach(setUp));
})();
