// The seizure form never loses work: rows are added and removed in place, and what is typed is kept in this
// browser until the record is saved (across a lost connection, a closed tab or a session that expired).
// Without JavaScript the form still works: its buttons then ask the server, and Enter still means Save.
(() => {
  const form = document.querySelector("form[data-draft]");
  if (!form) return;
  const KEY = "opsplatform:draft:" + form.dataset.draft;
  // The version read is kept with the draft: a record changed by someone else since is refused, not overwritten.
  const SKIPPED = new Set(["_csrf_token", "action"]);
  const MAX_AGE = 30 * 24 * 3600 * 1000;
  const say = (name) => form.dataset[name] || "";

  // --- rows added and removed in place -------------------------------------------------------------------------
  const rows = (kind) => [...form.querySelectorAll(`[data-row="${kind}"]`)];
  const nextIndex = (kind) =>
    Math.max(-1, ...rows(kind).map((row) => Number(row.dataset.index))) + 1;

  function renumber(row, kind, from, to) {
    const old = `${kind}-${from}-`, now = `${kind}-${to}-`;
    row.dataset.index = String(to);
    row.querySelectorAll("*").forEach((el) => {
      for (const attr of ["name", "id", "for", "list", "hx-target", "aria-describedby"]) {
        const value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replaceAll(old, now).replace(`options-${from}`, `options-${to}`));
      }
    });
  }

  function addRow(kind) {
    const template = form.querySelector(`template[data-row-template="${kind}"]`);
    const row = template.content.firstElementChild.cloneNode(true);
    renumber(row, kind, "__n__", nextIndex(kind));
    template.before(row);
    if (window.htmx) window.htmx.process(row);
    row.querySelector("input:not([type=hidden]), select")?.focus();
    return row;
  }

  function typed(row) {
    return [...row.querySelectorAll("input:not([type=hidden]), select, textarea")].some((el) => el.value.trim());
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button[name=action]");
    if (!button) return;
    const [action] = button.value.split(":");
    if (action === "add_item" || action === "add_suspect") {
      event.preventDefault();
      addRow(action === "add_item" ? "items" : "suspects");
      keep();
    } else if (action === "remove_item" || action === "remove_suspect") {
      event.preventDefault();
      const row = button.closest("[data-row]");
      if (typed(row) && !window.confirm(say("confirmRemove"))) return;
      row.remove();
      keep();
    }
  });

  // --- the draft kept in this browser ----------------------------------------------------------------------------
  function snapshot() {
    const values = {};
    for (const el of form.elements) {
      if (!el.name || SKIPPED.has(el.name) || el.type === "submit" || el.type === "button") continue;
      if (el.type === "checkbox") values[el.name] = el.checked;
      else if (el.multiple) values[el.name] = [...el.selectedOptions].map((o) => o.value);
      else values[el.name] = el.value;
    }
    return values;
  }

  let timer = null;
  function keep(sent = false) {
    clearTimeout(timer);
    const draft = { values: snapshot(), savedAt: new Date().toISOString(), sent };
    try {
      localStorage.setItem(KEY, JSON.stringify(draft));
    } catch (error) {
      // A full or forbidden storage only means no draft: the form itself still works.
    }
  }
  form.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(keep, 400); });
  form.addEventListener("change", () => keep());
  form.addEventListener("submit", () => keep(true));

  function restore(values) {
    for (const kind of ["items", "suspects"]) {
      const wanted = new Set(Object.keys(values).map((name) => name.match(`^${kind}-(\\d+)-`)?.[1]).filter(Boolean));
      for (const index of wanted) {
        if (!form.querySelector(`[data-row="${kind}"][data-index="${index}"]`)) {
          renumber(addRow(kind), kind, nextIndex(kind) - 1, Number(index));
        }
      }
    }
    for (const [name, value] of Object.entries(values)) {
      for (const el of form.querySelectorAll(`[name="${CSS.escape(name)}"]`)) {
        if (el.type === "checkbox") el.checked = Boolean(value);
        else if (el.multiple) [...el.options].forEach((o) => { o.selected = value.includes(o.value); });
        else el.value = value;
      }
    }
  }

  function announce(draft) {
    const notice = document.createElement("p");
    notice.className = "draft-notice";
    notice.setAttribute("role", "status");
    const when = new Date(draft.savedAt).toLocaleString(document.documentElement.lang || undefined);
    notice.textContent = (draft.sent ? say("restoredSent") : say("restored")).replace("%(when)s", when) + " ";
    const discard = document.createElement("button");
    discard.type = "button";
    discard.className = "secondary outline";
    discard.textContent = say("discard");
    discard.addEventListener("click", () => {
      localStorage.removeItem(KEY);
      window.location.reload();
    });
    notice.append(discard);
    form.before(notice);
  }

  let stored = null;
  try {
    stored = JSON.parse(localStorage.getItem(KEY) || "null");
  } catch (error) {
    stored = null;
  }
  const worth = stored && Date.now() - Date.parse(stored.savedAt) < MAX_AGE &&
    Object.entries(stored.values).some(([name, v]) => name !== "version" && (Array.isArray(v) ? v.length : v));
  // A form the server sent back with its errors holds what was just posted: that is the newer version.
  if (worth && !form.querySelector("[aria-invalid=true]")) {
    restore(stored.values);
    announce(stored);
  }
})();

// On a record's page just after a save (its address ends in #saved), the draft that was sent is done with: the
// record's own edit form, or the new-record form it came from.
if (window.location.hash === "#saved") {
  const path = window.location.pathname;
  for (const form of [path + "/edit", path.replace(/\/\d+$/, "/new")]) {
    const key = "opsplatform:draft:" + form;
    try {
      if (JSON.parse(localStorage.getItem(key) || "{}").sent) localStorage.removeItem(key);
    } catch (error) {
      localStorage.removeItem(key);
    }
  }
  history.replaceState(null, "", path + window.location.search);
}
