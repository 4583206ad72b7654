// The seizure form never loses work: rows are added and removed in place, and what is typed is kept in this
// browser until the record is saved (across a lost connection, a closed tab or a session that expired).
// Without JavaScript the form still works: its buttons then ask the server, and Enter still means Save.
(() => {
  const form = document.querySelector("form[data-draft]");
  if (!form) return;
  const KEY = "opsplatform:draft:" + form.dataset.draft;
  // The version read is kept with the draft: a record changed by someone else since is refused, not overwritten.
  const SKIPPED = new Set(["_csrf_token", "action"]);
  // What identifies a person (the server marks those fields data-nominal) never stays in the browser (a shared
  // computer, a lost phone).
  const nominal = () => new Set([...form.querySelectorAll("[data-nominal]")].map((el) => el.name));
  const KINDS = { item: "items", suspect: "suspects", company: "companies" };
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
    const [verb, kind] = action.split("_");
    if (verb === "add" && KINDS[kind]) {
      event.preventDefault();
      addRow(KINDS[kind]);
      keep();
    } else if (verb === "remove" && KINDS[kind]) {
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
      if (!el.name || SKIPPED.has(el.name) || el.dataset.nominal !== undefined || el.type === "submit" ||
          el.type === "button") continue;
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
  form.addEventListener("submit", (event) => {
    keep(true);
    if (navigator.onLine || !form.querySelector("[name=idempotency_key]")) return;
    // No connection: the record waits in this browser's outbox and is sent, once, when the connection returns.
    event.preventDefault();
    const hidden = nominal();
    const body = [...new FormData(form, event.submitter)].filter(([name]) => !hidden.has(name));
    // getAttribute: the form's fields include buttons named "action", which form.action would name instead.
    outbox.add({ action: form.getAttribute("action"), body, draft: KEY, ref: form.elements.seizure_ref?.value || "",
                 at: new Date().toISOString() });
    // A fresh form for the next record, with a key of its own.
    localStorage.removeItem(KEY);
    form.reset();
    rows("items").slice(1).forEach((row) => row.remove());
    rows("suspects").forEach((row) => row.remove());
    rows("companies").forEach((row) => row.remove());
    form.elements.idempotency_key.value = crypto.randomUUID ? crypto.randomUUID() : String(Math.random()).slice(2);
    window.scrollTo(0, 0);
    outbox.show();
  });

  function restore(values) {
    for (const kind of Object.values(KINDS)) {
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

// --- the outbox: records saved without a connection, sent when it returns ------------------------------------------
const outbox = (() => {
  const KEY = "opsplatform:outbox";
  const read = () => { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } };
  const write = (entries) => localStorage.setItem(KEY, JSON.stringify(entries));
  const text = (name) => document.body.dataset[name] || "";

  function show() {
    document.querySelector(".outbox-notice")?.remove();
    const waiting = read();
    if (!waiting.length) return;
    const notice = document.createElement("p");
    notice.className = "outbox-notice";
    notice.setAttribute("role", "status");
    notice.textContent = text(navigator.onLine ? "outboxSending" : "outboxWaiting")
      .replace("%(refs)s", waiting.map((e) => e.ref).join(", "));
    document.querySelector("main")?.prepend(notice);
  }

  function refused(entry, message) {
    const note = document.createElement("p");
    note.className = "flash flash-error";
    note.setAttribute("role", "alert");
    const link = Object.assign(document.createElement("a"), { href: entry.action, textContent: entry.ref });
    note.append(message, link);
    document.querySelector("main")?.prepend(note);
  }

  let sending = false;
  async function send() {
    if (sending || !navigator.onLine) return;
    sending = true;
    const token = document.querySelector('meta[name="csrf-token"]')?.content;
    for (const entry of read()) {
      // The form token of this page: the one saved may belong to a session since ended.
      const body = new URLSearchParams(entry.body.map(([k, v]) => [k, k === "_csrf_token" && token ? token : v]));
      let answer;
      try {
        answer = await fetch(entry.action, { method: "POST", body, credentials: "same-origin" });
      } catch (error) {
        break;  // still no connection: try again when it returns
      }
      const path = new URL(answer.url).pathname;
      if (path.startsWith("/login")) { refused(entry, text("outboxLogin")); break; }
      write(read().filter((e) => e.at !== entry.at || e.action !== entry.action));
      if (answer.ok && /\/seizures\/\d+$/.test(path)) {
        localStorage.removeItem(entry.draft);
      } else {
        // Refused (a problem in a field, a clash): the values go back to the form, to correct there.
        const values = Object.fromEntries(entry.body.filter(([k]) => k !== "_csrf_token"));
        localStorage.setItem(entry.draft, JSON.stringify({ values, savedAt: entry.at, sent: true }));
        refused(entry, text("outboxRefused"));
      }
    }
    sending = false;
    show();
  }

  window.addEventListener("online", () => { show(); send(); });
  window.addEventListener("offline", show);
  document.addEventListener("DOMContentLoaded", () => { show(); send(); });
  return { add: (entry) => write([...read(), entry]), send, show };
})();

// Pages open without a connection once visited: the service worker keeps them (and the app's own files).
if ("serviceWorker" in navigator && document.body?.dataset.worker) {
  navigator.serviceWorker.register(document.body.dataset.worker, { scope: "/" }).catch(() => {});
}

// A term is recorded in the units CITES gives it: once one is chosen, its item row offers those alone (the term's
// option lists them in data-units; NAR, the number of specimens, is the empty unit). Without JavaScript every unit is
// offered and the server says which the term takes.
(() => {
  const form = document.querySelector("form[data-draft]");
  if (!form) return;
  function offer(termSelect) {
    const row = termSelect.closest("[data-row]");
    const unitSelect = row?.querySelector('select[name$="-unit"]');
    const given = termSelect.selectedOptions[0]?.dataset.units;
    if (!unitSelect || given === undefined) return;
    const codes = given.split(" ").filter(Boolean);
    for (const option of unitSelect.options) {
      const allowed = !codes.length || (option.value ? codes.includes(option.value) : codes.includes("NAR"));
      option.hidden = option.disabled = !allowed && !option.selected;
    }
  }
  const terms = () => form.querySelectorAll('select[name^="items-"][name$="-term"]');
  form.addEventListener("change", (event) => {
    if (event.target.matches?.('select[name$="-term"]')) {
      const unitSelect = event.target.closest("[data-row]")?.querySelector('select[name$="-unit"]');
      const codes = (event.target.selectedOptions[0]?.dataset.units || "").split(" ").filter(Boolean);
      // A unit the new term does not take gives way to its preferred one.
      if (unitSelect && codes.length && !(unitSelect.value ? codes.includes(unitSelect.value) : codes.includes("NAR"))) {
        unitSelect.value = codes[0] === "NAR" ? "" : codes[0];
      }
      offer(event.target);
    }
  });
  terms().forEach(offer);
  new MutationObserver(() => terms().forEach(offer)).observe(form, { childList: true, subtree: true });
})();
