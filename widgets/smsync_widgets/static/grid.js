// smsync pane grid: rows live in the Python kernel; this view draws only the visible window.
// Protocol (custom messages): view -> kernel {type: "window", start, stop, seq} | {type: "toggle", row}
// | {type: "check_all"} | {type: "uncheck_all"} | {type: "sort", column, ascending} | {type: "filter", query}
// | {type: "download", format: "xlsx"|"csv"|"html", seq};
// kernel -> view {type: "rows", seq, version, start, shown, rows: [...]} | {type: "file", name, mime, seq} + buffer.
// Synced traits: columns, shown_count, checked_count, total_count, sort_column, sort_ascending, query,
// message, version (bumped whenever rows, order or checks change: the view asks for its window again).

const ROW_HEIGHT = 28;
const OVERSCAN = 30;
const MAX_SCROLL_PX = 15000000; // browsers cap element heights; larger panes map the scrollbar proportionally

function el(tag, cls, attrs = {}) {
  const node = document.createElement(tag);
  if (cls) node.className = cls;
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  return node;
}

function render({ model, el: host }) {
  const uid = "smsync-" + Math.random().toString(36).slice(2, 9);
  const selectable = model.get("selectable");
  const root = el("div", "smsync-pane", { "data-pane": model.get("pane") });

  // Toolbar: Check All / Uncheck All (right pane), filter box, counts.
  const toolbar = el("div", "smsync-toolbar");
  if (selectable) {
    const checkAll = el("button", "smsync-button", { type: "button", "data-action": "check-all" });
    checkAll.textContent = "Check All";
    checkAll.addEventListener("click", () => model.send({ type: "check_all" }));
    const uncheckAll = el("button", "smsync-button", { type: "button", "data-action": "uncheck-all" });
    uncheckAll.textContent = "Uncheck All";
    uncheckAll.addEventListener("click", () => model.send({ type: "uncheck_all" }));
    toolbar.append(checkAll, uncheckAll);
    if (model.get("check_all_note")) {
      const note = el("span", "smsync-check-note", { "data-role": "check-all-note" });
      note.textContent = model.get("check_all_note");
      toolbar.append(note);
    }
  }
  const filter = el("input", "smsync-filter", {
    type: "search",
    placeholder: "Filter",
    "aria-label": "Filter rows",
    "data-action": "filter",
  });
  filter.value = model.get("query");
  let filterTimer = null;
  filter.addEventListener("input", () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(() => model.send({ type: "filter", query: filter.value }), 200);
  });
  const counts = el("span", "smsync-counts", { "aria-live": "polite", "data-role": "counts" });
  // Downloads: the rows as shown (filter, sort) as Excel or CSV, or every row on one printable page.
  let printWindow = null;
  let downloadSeq = 0;
  const downloads = el("span", "smsync-downloads");
  for (const [format, label, hint] of [["xlsx", "Excel", "Download these rows as an Excel workbook"],
                                        ["csv", "CSV", "Download these rows as a CSV file"],
                                        ["html", "Print", "Open these rows as one printable page"]]) {
    const b = el("button", "smsync-button smsync-download", { type: "button", "data-action": "download-" + format,
                                                              title: hint });
    b.textContent = label;
    b.addEventListener("click", () => {
      if (format === "html") printWindow = window.open("", "_blank"); // opened on the click: not a blocked popup
      downloadSeq += 1;
      model.send({ type: "download", format, seq: downloadSeq });
    });
    downloads.append(b);
  }
  toolbar.append(filter, counts, downloads);
  const message = el("div", "smsync-message", { role: "alert", "data-role": "message" });

  // The grid is the scroll container: a sticky header row, then a tall body holding only the drawn rows.
  const grid = el("div", "smsync-grid", {
    role: "grid",
    tabindex: 0,
    "aria-label": model.get("pane") === "left" ? "SMSTurbo customers not in Sage 100" : "Sage 100 clients",
  });
  const header = el("div", "smsync-row smsync-header", { role: "row", "aria-rowindex": 1 });
  const body = el("div", "smsync-body", { role: "rowgroup" });
  const rowsBox = el("div", "smsync-rows");
  body.append(rowsBox);
  grid.append(header, body);
  root.append(toolbar, message, grid);
  host.append(root);

  let columns = [];
  let cache = new Map(); // shown index -> row payload, for the current version
  let cacheVersion = -1;
  let seq = 0;
  let pending = null; // {seq, start, stop}
  let active = -1; // shown index of the keyboard-active row
  let frame = 0;

  function drawHeader() {
    columns = model.get("columns");
    const template = ["2.4em", ...columns.map((c) => c.width + "em")].join(" ");
    grid.style.setProperty("--smsync-columns", template);
    const focused = header.contains(document.activeElement) ? document.activeElement.dataset.column : null;
    header.replaceChildren();
    const box = el("div", "smsync-cell smsync-check", { role: "columnheader", "data-column": "checked" });
    box.textContent = selectable ? "✓" : "";
    header.append(box);
    const sorted = model.get("sort_column");
    const ascending = model.get("sort_ascending");
    for (const col of columns) {
      const cell = el("div", "smsync-cell smsync-sortable", {
        role: "columnheader",
        tabindex: 0,
        "data-column": col.key,
        "aria-sort": col.key === sorted ? (ascending ? "ascending" : "descending") : "none",
        title: "Sort by " + col.label,
      });
      cell.textContent = col.label + (col.key === sorted ? (ascending ? " ▲" : " ▼") : "");
      const sort = () =>
        model.send({ type: "sort", column: col.key, ascending: col.key === sorted ? !ascending : true });
      cell.addEventListener("click", sort);
      cell.addEventListener("keydown", (event) => {
        if (event.key === "Enter" || event.key === " ") {
          event.preventDefault();
          event.stopPropagation();
          sort();
        }
      });
      header.append(cell);
      if (col.key === focused) cell.focus({ preventScroll: true }); // keyboard sorting keeps its place
    }
    grid.setAttribute("aria-colcount", String(columns.length + 1));
  }

  function drawCounts() {
    const shown = model.get("shown_count").toLocaleString("en-US");
    const checked = model.get("checked_count").toLocaleString("en-US");
    const hidden = model.get("hidden_checked_count");
    counts.textContent = selectable ? `${shown} shown · ${checked} checked` : `${shown} shown`;
    if (selectable && hidden > 0) {
      counts.textContent += ` (${hidden.toLocaleString("en-US")} of them hidden by the filter)`;
    }
    message.textContent = model.get("message");
    message.hidden = !model.get("message");
    if (document.activeElement !== filter && filter.value !== model.get("query")) filter.value = model.get("query");
    grid.setAttribute("aria-rowcount", String(model.get("shown_count") + 1));
  }

  function geometry() {
    const total = model.get("shown_count");
    const natural = total * ROW_HEIGHT;
    const height = Math.min(natural, MAX_SCROLL_PX);
    const view = Math.max(ROW_HEIGHT, grid.clientHeight - header.offsetHeight);
    const visible = Math.ceil(view / ROW_HEIGHT) + 1;
    const scaled = natural > MAX_SCROLL_PX;
    const maxScroll = Math.max(1, height - view);
    return { total, height, view, visible, scaled, maxScroll };
  }

  function firstIndex(g) {
    if (!g.scaled) return Math.floor(grid.scrollTop / ROW_HEIGHT);
    const fraction = Math.min(1, grid.scrollTop / g.maxScroll);
    return Math.floor(fraction * Math.max(0, g.total - g.visible + 1));
  }

  function scrollTopFor(index, g, atBottom) {
    if (!g.scaled) return atBottom ? (index + 1) * ROW_HEIGHT - g.view : index * ROW_HEIGHT;
    const first = atBottom ? index - g.visible + 2 : index;
    return (Math.max(0, first) / Math.max(1, g.total - g.visible + 1)) * g.maxScroll;
  }

  function request(first, g) {
    const start = Math.max(0, first - OVERSCAN);
    const stop = Math.min(g.total, first + g.visible + OVERSCAN);
    if (pending && pending.start <= first && pending.stop >= Math.min(g.total, first + g.visible)) return;
    seq += 1;
    pending = { seq, start, stop };
    model.send({ type: "window", start, stop, seq });
  }

  function rowNode(index, data) {
    const row = el("div", "smsync-row", {
      role: "row",
      id: `${uid}-r${index}`,
      "aria-rowindex": index + 2,
      "data-index": index,
    });
    if (!data) {
      row.classList.add("smsync-loading");
      return row;
    }
    row.setAttribute("data-customer-id", data.id);
    row.setAttribute("data-row", data.row);
    row.setAttribute("data-kind", data.kind);
    if (data.inactive) row.setAttribute("data-inactive", "true");
    if (data.error) row.setAttribute("data-error", "true");
    if (data.duplicate) row.setAttribute("data-duplicate", "true");
    if (data.why) row.title = data.why;
    if (index === active) {
      row.classList.add("smsync-active");
      row.setAttribute("aria-selected", "true");
    }
    const boxCell = el("div", "smsync-cell smsync-check", { role: "gridcell" });
    const box = el("span", "smsync-checkbox", {
      role: "checkbox",
      "aria-checked": data.checked ? "true" : "false",
      "aria-label": "Import " + (data.id || "this row"),
    });
    if (!data.selectable) {
      box.setAttribute("aria-disabled", "true");
      box.title = data.error ? "Cannot be imported: " + data.why : "Export to Sage 100 is not supported";
    }
    box.addEventListener("click", (event) => {
      event.stopPropagation();
      active = index;
      toggle(index);
    });
    boxCell.append(box);
    row.append(boxCell);
    const differs = new Set(data.diff);
    columns.forEach((col, i) => {
      const cell = el("div", "smsync-cell", { role: "gridcell", "data-column": col.key });
      cell.textContent = data.cells[i];
      if (data.cells[i]) cell.title = data.cells[i];
      if (differs.has(col.key)) {
        cell.classList.add("smsync-diff");
        cell.setAttribute("data-differs", "true");
      }
      if (col.key === "reason" && data.error) cell.classList.add("smsync-why");
      if ((col.key === "reason" || col.key === "duplicate_of") && data.why) cell.title = data.why;
      if (col.key === "duplicate_of" && data.duplicate) cell.classList.add("smsync-duplicate");
      if (data.inactive && (col.key === "status_ref" || (col.key === "name" && !columns.some((c) => c.key === "status_ref")))) {
        const badge = el("span", "smsync-badge");
        badge.textContent = "inactive";
        cell.prepend(badge);
      }
      row.append(cell);
    });
    row.addEventListener("click", () => {
      active = index;
      grid.focus({ preventScroll: true });
      draw();
    });
    return row;
  }

  function draw() {
    frame = 0;
    const g = geometry();
    body.style.height = g.height + "px";
    const first = firstIndex(g);
    const last = Math.min(g.total, first + g.visible);
    rowsBox.style.top = (g.scaled ? grid.scrollTop : first * ROW_HEIGHT) + "px";
    const nodes = [];
    let missing = false;
    for (let index = first; index < last; index++) {
      const data = cache.get(index);
      if (!data) missing = true;
      nodes.push(rowNode(index, data));
    }
    rowsBox.replaceChildren(...nodes);
    if (active >= 0 && active < g.total) grid.setAttribute("aria-activedescendant", `${uid}-r${active}`);
    else grid.removeAttribute("aria-activedescendant");
    if (missing || cacheVersion !== model.get("version")) request(first, g);
  }

  function schedule() {
    if (!frame) frame = requestAnimationFrame(draw);
  }

  function toggle(index) {
    const data = cache.get(index);
    if (!data || !data.selectable) return;
    data.checked = !data.checked; // drawn at once; the kernel's answer follows with the new version
    model.send({ type: "toggle", row: data.row });
    draw();
  }

  function moveTo(index) {
    const g = geometry();
    if (g.total === 0) return;
    active = Math.max(0, Math.min(g.total - 1, index));
    const first = firstIndex(g);
    if (active < first) grid.scrollTop = scrollTopFor(active, g, false);
    else if (active >= first + g.visible - 1) grid.scrollTop = scrollTopFor(active, g, true);
    draw();
  }

  grid.addEventListener("keydown", (event) => {
    if (event.target !== grid) return; // headers handle their own keys
    const g = geometry();
    const keys = {
      ArrowDown: () => moveTo(active + 1),
      ArrowUp: () => moveTo(active - 1),
      PageDown: () => moveTo(active + g.visible - 1),
      PageUp: () => moveTo(active - g.visible + 1),
      Home: () => moveTo(0),
      End: () => moveTo(g.total - 1),
      " ": () => toggle(active),
    };
    const action = keys[event.key];
    if (action) {
      event.preventDefault();
      if (active < 0 && event.key !== " ") active = event.key === "ArrowDown" ? -1 : 0;
      action();
    }
  });
  // Focus that comes with a mouse press must not redraw the rows: the press would land on a checkbox that the
  // redraw replaces, and the click on it would be lost. Keyboard focus (Tab) picks the first visible row.
  let pressing = false;
  grid.addEventListener("pointerdown", () => { pressing = true; }, true);
  const released = () => { pressing = false; };
  window.addEventListener("pointerup", released, true);
  grid.addEventListener("focus", () => {
    if (pressing) return;
    if (active < 0 && model.get("shown_count") > 0) moveTo(firstIndex(geometry()));
  });
  grid.addEventListener("scroll", schedule, { passive: true });

  function saveFile(msg, buffers) {
    const data = buffers && buffers.length ? buffers[0] : new ArrayBuffer(0); // a DataView: Blob takes it as is
    const blob = new Blob([data], { type: msg.mime });
    if (msg.mime === "text/html") {
      const target = printWindow && !printWindow.closed ? printWindow : window.open("", "_blank");
      printWindow = null;
      if (!target) return;
      blob.text().then((page) => {
        target.document.open();
        target.document.write(page);
        target.document.close();
      });
      return;
    }
    const url = URL.createObjectURL(blob);
    const link = el("a", "", { href: url, download: msg.name });
    link.style.display = "none";
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 60000);
  }

  function onMessage(msg, buffers) {
    if (msg && msg.type === "file") {
      saveFile(msg, buffers);
      return;
    }
    if (!msg || msg.type !== "rows") return;
    if (pending && msg.seq === pending.seq) pending = null;
    if (msg.version !== model.get("version")) return; // a newer state is on its way
    if (cacheVersion !== msg.version) {
      cache = new Map();
      cacheVersion = msg.version;
    }
    for (const row of msg.rows) cache.set(row.index, row);
    draw();
  }
  function onVersion() {
    pending = null;
    const g = geometry();
    if (active >= g.total) active = g.total - 1;
    drawCounts();
    draw();
  }
  function onHeader() {
    drawHeader();
    drawCounts();
  }

  model.on("msg:custom", onMessage);
  model.on("change:version", onVersion);
  model.on("change:message", drawCounts);
  model.on("change:hidden_checked_count", drawCounts);
  model.on("change:columns", onHeader);
  model.on("change:sort_column", onHeader);
  model.on("change:sort_ascending", onHeader);
  const resize = new ResizeObserver(schedule);
  resize.observe(grid);

  drawHeader();
  drawCounts();
  draw();

  return () => {
    resize.disconnect();
    window.removeEventListener("pointerup", released, true);
    if (frame) cancelAnimationFrame(frame);
    model.off("msg:custom", onMessage);
    model.off("change:version", onVersion);
    model.off("change:message", drawCounts);
    model.off("change:hidden_checked_count", drawCounts);
    model.off("change:columns", onHeader);
    model.off("change:sort_column", onHeader);
    model.off("change:sort_ascending", onHeader);
  };
}

export default { render };
