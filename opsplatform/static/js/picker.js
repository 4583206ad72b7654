// Pickers: a field marked data-picker becomes a search box that finds countries, terms or taxa by name in the
// reader's language and shows what was picked as removable chips. The field itself stays in the form and carries the
// codes: a multiple select (its options selected) or a text field (codes joined by commas). Without this script the
// select and the text field (with its list of suggestions) still work, and the server reads names as well as codes.
(function () {
  "use strict";
  const fold = (text) => text.normalize("NFKD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();

  function enhance(field) {
    const isSelect = field.tagName === "SELECT";
    let list = isSelect ? null : document.getElementById(field.getAttribute("list"));
    if (isSelect) {  // the select's own options, offered as suggestions
      list = document.createElement("datalist");
      list.id = `${field.id}-choices`;
      for (const option of field.options) {
        if (!option.value) continue;
        const choice = Object.assign(document.createElement("option"), {value: option.text});
        choice.dataset.code = option.value;
        list.append(choice);
      }
    }
    const choices = () => [...list.options].map((o) => ({code: o.dataset.code || o.value, name: o.value}));
    const names = new Map(choices().map((c) => [c.code, c.name]));
    const picked = () => isSelect ? [...field.selectedOptions].map((o) => o.value)
      : field.value.split(",").map((v) => v.trim()).filter(Boolean);

    const search = document.createElement("input");
    search.type = "search";
    search.autocomplete = "off";
    search.id = field.id;  // the field's label now names the search box
    search.placeholder = field.dataset.pickerPlaceholder || "";
    search.setAttribute("list", list.id);
    for (const name of ["aria-invalid", "aria-describedby"]) {
      if (field.hasAttribute(name)) search.setAttribute(name, field.getAttribute(name));
    }
    field.id = `${field.id}-codes`;
    const chips = document.createElement("ul");
    chips.className = "chips";
    chips.setAttribute("aria-live", "polite");
    const box = document.createElement("div");
    box.className = "picker";
    field.before(box);
    box.append(chips, search);
    if (isSelect) box.append(list);
    field.hidden = true;
    if (!isSelect) field.type = "hidden";

    function set(codes) {
      if (isSelect) [...field.options].forEach((o) => { o.selected = codes.includes(o.value); });
      else field.value = codes.join(",");
      field.dispatchEvent(new Event("change", {bubbles: true}));  // drafts and listeners see the change
    }

    function render() {
      chips.replaceChildren(...picked().map((code) => {
        const chip = document.createElement("li");
        chip.textContent = names.get(code) || code;
        const remove = document.createElement("button");
        remove.type = "button";
        remove.className = "secondary outline";
        remove.textContent = "×";
        remove.setAttribute("aria-label", `${field.dataset.pickerRemove || "Remove"} ${chip.textContent}`);
        remove.addEventListener("click", () => set(picked().filter((c) => c !== code)));
        chip.append(remove);
        return chip;
      }));
    }

    // Adds what was typed when it names a choice (name or code, any case or accent). A text field also takes a
    // name it does not know, for the server to name in its answer; a select cannot, so the box says so.
    function add(typed, strict) {
      const wanted = fold(typed);
      if (!wanted) return true;
      const match = choices().find((c) => fold(c.name) === wanted || fold(c.code) === wanted);
      if (!match && (isSelect || strict)) {
        search.setCustomValidity(isSelect ? (field.dataset.pickerUnknown || "?").replace("%(value)s", typed) : "");
        if (isSelect) search.reportValidity();
        return false;
      }
      search.setCustomValidity("");
      const code = match ? match.code : typed.trim();
      if (!picked().includes(code)) set([...picked(), code]);
      if (match) names.set(code, match.name);
      search.value = "";
      return true;
    }

    search.addEventListener("input", (event) => {
      search.setCustomValidity("");
      if (!event.inputType || event.inputType === "insertReplacementText") add(search.value, true);  // a suggestion
      else if (field.dataset.pickerSearch && search.value.trim().length >= 2) suggest(search.value);
    });
    search.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && search.value.trim()) {  // Enter picks; it does not send the form half-typed
        event.preventDefault();
        add(search.value, false);
      }
    });
    search.closest("form")?.addEventListener("submit", (event) => {
      if (!add(search.value, false)) event.preventDefault();
    });
    field.addEventListener("change", render);
    field.form?.addEventListener("reset", () => setTimeout(render));

    let asked = null;
    async function suggest(text) {  // names found by the server as the person types (taxa: too many to send)
      asked = text;
      const url = new URL(field.dataset.pickerSearch, window.location.href);
      url.searchParams.set("q", text);
      try {
        const response = await fetch(url, {headers: {"HX-Request": "true"}});
        if (response.ok && asked === text) list.innerHTML = await response.text();
      } catch (error) {
        // offline: the box keeps what it had
      }
    }
    render();
  }

  document.querySelectorAll("[data-picker]").forEach(enhance);
})();
