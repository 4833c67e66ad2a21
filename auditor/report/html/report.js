/* smartlead-auditor HTML report: filters, sorting, paging, deep links and the account view.
 *
 * Safety: every value comes from an untrusted inventory. This script never parses markup: it
 * reads the data with JSON.parse and builds every node with createElement and textContent.
 * Scale: findings and accounts are columns (typed arrays of string-table indexes), filtering
 * is one pass over integers, and only one page of rows is ever in the DOM.
 */
(function () {
  "use strict";

  const RANK = { error: 3, warning: 2, info: 1 };
  const ICONS = { error: "\u2716", warning: "\u25B2", info: "\u25CF" };
  const FILTERS = ["severity", "rule", "status", "client", "provider", "tag", "domain", "q"];
  const SORTS = ["severity", "rule", "status", "account", "field", "actual", "expected", "message"];
  const PAGE_SIZES = [50, 100, 250, 500];
  const DEFAULT_SIZE = 100;
  const PRINT_ROWS = 1000;

  const byId = (id) => document.getElementById(id);
  const fmt = (n) => n.toLocaleString("en-US");

  /** An element with a class and children (strings become text nodes, never markup). */
  function el(tag, className, ...children) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // ---- data -----------------------------------------------------------------------------------

  const data = JSON.parse(byId("audit-data").textContent);
  const S = data.strings;
  // Account columns by role, and flags shown under the secret's name: wire names are the data's.
  const ROLE = data.roles;
  const SECRET_FLAGS = data.secret_flags;
  // Entry id -> [title, fix], each a list of [kind, text, href] segments (never markup).
  const GUIDANCE = data.rules || {};

  function expand(encoding, values) {
    if (encoding === "r") {
      let total = 0;
      for (let i = 1; i < values.length; i += 2) total += values[i];
      const out = new Array(total);
      let k = 0;
      for (let i = 0; i < values.length; i += 2) {
        for (let j = 0; j < values[i + 1]; j++) out[k++] = values[i];
      }
      return out;
    }
    if (encoding === "d") {
      const out = new Array(values.length);
      let sum = 0;
      for (let i = 0; i < values.length; i++) { sum += values[i]; out[i] = sum; }
      return out;
    }
    return values;
  }

  /** Columns as typed arrays: strings as indexes (0 = null), numbers with NaN for null. */
  function decodeTable(table) {
    const cols = {};
    const kinds = {};
    for (const [name, column] of Object.entries(table.columns)) {
      const [kind, encoding, values] = column;
      const full = expand(encoding, values);
      kinds[name] = kind;
      if (kind === "s") {
        cols[name] = Int32Array.from(full);
      } else if (kind === "n" || kind === "t") {
        cols[name] = Float64Array.from(full, (v) => (v === null ? NaN : v));
      } else if (kind === "b") {
        cols[name] = Int8Array.from(full, (v) => (v === null ? -1 : v));
      } else {
        cols[name] = full;
      }
    }
    const get = (name, fallback) => cols[name] || fallback;
    // A column with only nulls has no numbers to show its kind: treat it as all null.
    const numbers = (name) => (kinds[name] === "n" ? cols[name] : new Float64Array(table.n).fill(NaN));
    return { n: table.n, cols, kinds, names: Object.keys(table.columns), get, numbers };
  }

  const F = decodeTable(data.findings);
  const A = decodeTable(data.accounts);
  const blankS = new Int32Array(F.n);
  const fId = F.get("id", blankS);
  const fSeverity = F.get("severity", blankS);
  const fStatus = F.get("status", blankS);
  const fAccountId = F.numbers("account_id");
  const fEmail = F.get("email", blankS);
  const fField = F.get("field", blankS);
  const fActual = F.get("actual", blankS);
  const fExpected = F.get("expected", blankS);
  const fMessage = F.get("message", blankS);
  const fPolicy = F.get("policy", blankS);
  const fWaiverReason = F.get("waiver.reason", blankS);
  const fWaiverExpires = F.get("waiver.expires", blankS);
  const fWaiverPolicy = F.get("waiver.policy", blankS);
  const aId = A.numbers(ROLE.id);
  const aType = A.get(ROLE.provider, new Int32Array(A.n));
  const aClient = A.numbers(ROLE.client);
  const aFromName = A.get(ROLE.name, new Int32Array(A.n));
  const aEmail = A.get(ROLE.email, new Int32Array(A.n));
  const aTags = A.kinds[ROLE.tags] === "ls" ? A.cols[ROLE.tags] : [];
  const aCampaigns = A.kinds[ROLE.campaigns] === "ln" ? A.cols[ROLE.campaigns] : [];

  const stringIndex = new Map();
  for (let i = S.length - 1; i > 0; i--) stringIndex.set(S[i], i);
  const WAIVED = stringIndex.get("waived") || -1;
  const BASELINE = stringIndex.get("baseline") || -1;

  const accountIndex = new Map();
  for (let a = 0; a < A.n; a++) accountIndex.set(aId[a], a);

  // Finding -> account row, and account -> its findings (compressed rows: start offsets).
  const fAccount = new Int32Array(F.n);
  const perAccountStart = new Int32Array(A.n + 1);
  for (let i = 0; i < F.n; i++) {
    const a = Number.isNaN(fAccountId[i]) ? undefined : accountIndex.get(fAccountId[i]);
    fAccount[i] = a === undefined ? -1 : a;
    if (a !== undefined) perAccountStart[a + 1]++;
  }
  for (let a = 0; a < A.n; a++) perAccountStart[a + 1] += perAccountStart[a];
  const perAccount = new Int32Array(perAccountStart[A.n]);
  {
    const fill = perAccountStart.slice(0, A.n);
    for (let i = 0; i < F.n; i++) if (fAccount[i] >= 0) perAccount[fill[fAccount[i]]++] = i;
  }

  // ---- state and the URL hash ---------------------------------------------------------------

  const state = blankState();

  function blankState() {
    return { severity: "", rule: "", status: "", client: "", provider: "", tag: "", domain: "", q: "",
      sort: "", dir: "asc", page: 1, size: DEFAULT_SIZE, account: "" };
  }

  /** The hash as a state, or null for a plain anchor such as #summary. */
  function readHash() {
    const raw = location.hash.replace(/^#/, "");
    if (raw !== "" && !raw.includes("=")) return null;
    const params = new URLSearchParams(raw);
    const next = blankState();
    for (const key of FILTERS) next[key] = (params.get(key) || "").trim();
    const sort = params.get("sort") || "";
    next.sort = SORTS.includes(sort) ? sort : "";
    next.dir = params.get("dir") === "desc" ? "desc" : "asc";
    const page = parseInt(params.get("page") || "1", 10);
    next.page = page > 0 ? page : 1;
    const size = parseInt(params.get("size") || "", 10);
    next.size = PAGE_SIZES.includes(size) ? size : DEFAULT_SIZE;
    const account = (params.get("account") || "").trim();
    next.account = /^-?\d+$/.test(account) ? account : "";
    return next;
  }

  function buildHash(s) {
    const params = new URLSearchParams();
    if (s.account) params.set("account", s.account);
    for (const key of FILTERS) if (s[key]) params.set(key, s[key]);
    if (s.sort) { params.set("sort", s.sort); params.set("dir", s.dir); }
    if (s.page > 1) params.set("page", String(s.page));
    if (s.size !== DEFAULT_SIZE) params.set("size", String(s.size));
    return params.toString();
  }

  function writeHash() {
    const hash = buildHash(state);
    const base = location.href.split("#")[0];
    history.replaceState(null, "", hash ? base + "#" + hash : base);
  }

  // ---- filtering and sorting ------------------------------------------------------------------

  let lowered = null;
  function textMatches(query) {
    if (lowered === null) lowered = S.map((s) => (s === null ? "" : s.toLowerCase()));
    const hits = new Uint8Array(S.length);
    for (let j = 1; j < S.length; j++) if (lowered[j].includes(query)) hits[j] = 1;
    return hits;
  }

  /** The string index a filter value must equal: 0 = any; -1 = nothing can match. */
  function wanted(value) {
    if (!value) return 0;
    const index = stringIndex.get(value);
    return index === undefined ? -1 : index;
  }

  function filterRows() {
    const sev = wanted(state.severity);
    const rule = wanted(state.rule);
    const status = wanted(state.status);
    const provider = wanted(state.provider);
    const tag = wanted(state.tag);
    const client = state.client;
    const clientId = client === "" || client === "none" ? NaN : Number(client);
    const domain = state.domain.toLowerCase();
    const byAccount = Boolean(provider || tag || client || domain);
    let hasTag = null;
    if (tag > 0) {
      hasTag = new Uint8Array(A.n);
      for (let a = 0; a < A.n; a++) if (aTags[a] && aTags[a].includes(tag)) hasTag[a] = 1;
    }
    const query = state.q.toLowerCase();
    const hits = query ? textMatches(query) : null;
    const out = new Int32Array(F.n);
    let k = 0;
    for (let i = 0; i < F.n; i++) {
      if (sev && fSeverity[i] !== sev) continue;
      if (rule && fId[i] !== rule) continue;
      if (status && fStatus[i] !== status) continue;
      const a = fAccount[i];
      if (byAccount) {
        if (a < 0) continue;
        if (provider && aType[a] !== provider) continue;
        if (tag && (tag < 0 || !hasTag[a])) continue;
        if (client === "none" && !Number.isNaN(aClient[a])) continue;
        if (client && client !== "none" && aClient[a] !== clientId) continue;
        if (domain && domainOf(a) !== domain) continue;
      }
      if (hits && !(hits[fEmail[i]] || hits[fMessage[i]] || hits[fActual[i]] ||
          hits[fExpected[i]] || hits[fField[i]] || hits[fId[i]] || hits[fWaiverReason[i]] ||
          hits[fWaiverExpires[i]] || hits[fWaiverPolicy[i]] || hits[fPolicy[i]] ||
          (a >= 0 && hits[aFromName[a]]) ||
          (!Number.isNaN(fAccountId[i]) && String(fAccountId[i]).includes(query)))) continue;
      out[k++] = i;
    }
    return out.slice(0, k);
  }

  let domains = null;
  /** An account's sender domain: its address after the "@", lower-cased ("" without one). */
  function domainOf(a) {
    if (domains === null) {
      domains = Array.from(aEmail, (idx) => {
        const email = S[idx] || "";
        const at = email.lastIndexOf("@");
        return at < 0 ? "" : email.slice(at + 1).toLowerCase();
      });
    }
    return domains[a];
  }

  const NUMERIC = /^-?\d+(\.\d+)?%?$/;
  /** Per-row sort keys for a string column: numbers by value, then text case-insensitively. */
  function stringKeys(column) {
    const used = [...new Set(column)];
    const info = used.map((idx) => {
      const text = S[idx] === null ? null : S[idx];
      const numeric = text !== null && NUMERIC.test(text);
      return { idx, text, numeric, value: numeric ? parseFloat(text) : 0,
        low: text === null ? "" : text.toLowerCase() };
    });
    info.sort((x, y) => {
      if (x.text === null || y.text === null) return (x.text === null) - (y.text === null);
      if (x.numeric !== y.numeric) return x.numeric ? -1 : 1;
      if (x.numeric && x.value !== y.value) return x.value - y.value;
      if (x.low !== y.low) return x.low < y.low ? -1 : 1;
      return x.text < y.text ? -1 : x.text > y.text ? 1 : 0;
    });
    const rank = new Int32Array(S.length);
    info.forEach((entry, position) => { rank[entry.idx] = position; });
    return Int32Array.from(column, (idx) => rank[idx]);
  }

  const keyCache = {};
  function sortKeys(name) {
    if (keyCache[name]) return keyCache[name];
    let keys;
    if (name === "severity") keys = Int32Array.from(fSeverity, (idx) => RANK[S[idx]] || 0);
    else if (name === "account") keys = Float64Array.from(fAccountId, (v) => (Number.isNaN(v) ? -Infinity : v));
    else keys = stringKeys({ rule: fId, status: fStatus, field: fField, actual: fActual,
      expected: fExpected, message: fMessage }[name]);
    keyCache[name] = keys;
    return keys;
  }

  let filtered = new Int32Array(0);
  let ordered = filtered;
  let filterKey = null;
  let orderKey = null;

  function recompute() {
    const fk = JSON.stringify(FILTERS.map((key) => state[key]));
    if (fk !== filterKey) { filtered = filterRows(); filterKey = fk; orderKey = null; }
    const ok = state.sort + ":" + state.dir;
    if (ok !== orderKey) {
      if (!state.sort) {
        ordered = filtered;
      } else {
        const keys = sortKeys(state.sort);
        const sign = state.dir === "desc" ? -1 : 1;
        ordered = filtered.slice().sort((x, y) => (keys[x] - keys[y]) * sign || x - y);
      }
      orderKey = ok;
    }
    const pages = Math.max(1, Math.ceil(ordered.length / state.size));
    if (state.page > pages) state.page = pages;
  }

  // ---- rendering --------------------------------------------------------------------------------

  function text(idx) { return S[idx]; }

  function valueNode(value, className) {
    if (value === null || value === undefined || value === "") return el("span", "unset", "(not set)");
    return className ? el("span", className, value) : document.createTextNode(value);
  }

  /** Code text that may wrap after "_", "." and "-" (long names in narrow columns). */
  function breakable(value) {
    const code = el("code", null);
    for (const part of value.split(/(?<=[_.-])/)) code.append(part, el("wbr", null));
    return code;
  }

  /** Rule text (``inline.segments``) as nodes: code, strong, http(s) links, plain text. */
  function rich(tag, className, parts) {
    const node = el(tag, className);
    for (const [kind, value, href] of parts || []) {
      if (kind === "code") node.append(el("code", null, value));
      else if (kind === "strong") node.append(el("strong", null, value));
      else if (kind === "link" && /^https?:\/\//.test(href)) {
        const link = el("a", null, value);
        link.href = href;
        link.rel = "noopener noreferrer";
        node.append(link);
      } else node.append(value);
    }
    return node;
  }

  function severityBadge(value) {
    return el("span", "sev sev-" + (RANK[value] ? value : "info"),
      el("span", "icon", ICONS[value] || ""), " " + value);
  }

  function statusCell(i) {
    const td = el("td", "cell-status");
    if (fStatus[i] === BASELINE) { td.append(el("span", "status-baseline", "baseline")); return td; }
    if (fStatus[i] !== WAIVED) { td.append(el("span", "status-open", "open")); return td; }
    td.append(el("span", "status-waived", "\u2298 waived"));
    if (fWaiverReason[i]) {
      td.append(el("span", "waiver", "Reason: " + text(fWaiverReason[i])),
        el("span", "waiver", "Expires " + text(fWaiverExpires[i]) + " (" + text(fWaiverPolicy[i]) + ")"));
    }
    return td;
  }

  function accountLink(a, label) {
    const link = el("a", "account-link", label);
    link.href = "#" + buildHash(Object.assign({}, state, { account: String(aId[a]) }));
    return link;
  }

  /** A cell with the column's name, which the phone layout (rows as cards) shows beside it. */
  function cell(className, label, ...children) {
    const td = el("td", className, ...children);
    td.dataset.label = label;
    return td;
  }

  function findingRow(i, withAccount) {
    const tr = el("tr", fStatus[i] === WAIVED ? "waived" : fStatus[i] === BASELINE ? "baseline" : "open");
    tr.dataset.finding = String(i);
    const status = statusCell(i);
    status.dataset.label = "Status";
    tr.append(cell("cell-severity", "Severity", severityBadge(text(fSeverity[i]))),
      cell("cell-rule", "Rule", breakable(text(fId[i]))), status);
    if (withAccount) {
      const td = cell("cell-account", "Account");
      const a = fAccount[i];
      if (a >= 0) {
        td.append(accountLink(a, text(fEmail[i]) || text(aEmail[a]) || "account " + aId[a]),
          el("span", "account-id", "id " + aId[a]));
      } else {
        td.append(el("span", null, "policy"), el("span", "account-id", text(fPolicy[i]) || ""));
      }
      tr.append(td);
    }
    tr.append(cell("cell-field", "Setting", fField[i] ? breakable(text(fField[i])) : valueNode(null)),
      cell("cell-actual", "Actual", valueNode(text(fActual[i]))),
      cell("cell-expected", "Expected", valueNode(text(fExpected[i]))),
      cell("cell-message", "Message", text(fMessage[i]) || ""));
    if (!withAccount) {
      const guidance = GUIDANCE[text(fId[i])];
      tr.append(cell("cell-fix", "Fix", guidance ? rich("span", "fix", guidance[1]) : valueNode(null)));
    }
    return tr;
  }

  function describeFilters() {
    const parts = FILTERS.filter((key) => state[key]).map((key) => key + " = " + state[key]);
    return parts.length ? parts.join(", ") : "none";
  }

  /** One page of rows; when printing, the first PRINT_ROWS matching rows instead. */
  function renderFindings(printing) {
    const total = ordered.length;
    const pages = Math.max(1, Math.ceil(total / state.size));
    const start = printing ? 0 : (state.page - 1) * state.size;
    const end = Math.min(total, start + (printing ? PRINT_ROWS : state.size));
    const rows = [];
    for (let r = start; r < end; r++) rows.push(findingRow(ordered[r], true));
    byId("findings-body").replaceChildren(...rows);
    const status = byId("match-status");
    status.dataset.count = String(total);
    status.dataset.total = String(F.n);
    status.textContent = total === 0
      ? "No findings match these filters (" + fmt(F.n) + " in total)."
      : "Showing " + fmt(start + 1) + "\u2013" + fmt(end) + " of " + fmt(total) +
        " matching findings (" + fmt(F.n) + " in total). Filters: " + describeFilters() + ".";
    byId("p-label").textContent = "Page " + fmt(state.page) + " of " + fmt(pages);
    byId("p-first").disabled = byId("p-prev").disabled = state.page <= 1;
    byId("p-next").disabled = byId("p-last").disabled = state.page >= pages;
    for (const th of document.querySelectorAll("#findings-table th[data-sort]")) {
      const active = th.dataset.sort === state.sort;
      th.setAttribute("aria-sort", active ? (state.dir === "desc" ? "descending" : "ascending") : "none");
    }
    const copy = Object.assign({}, state, { account: "" });
    byId("f-link").href = "#" + buildHash(copy);
  }

  function formatSetting(name, kind, value) {
    if (name in SECRET_FLAGS) return value === 1 ? "set" : "not set";
    if (kind === "b") return value === -1 ? null : value === 1 ? "true" : "false";
    if (kind === "n") return Number.isNaN(value) ? null : String(value);
    if (kind === "t") return Number.isNaN(value) ? null : new Date(value * 1000).toISOString().replace(".000Z", "Z");
    if (kind === "s") return text(value);
    if (value === null || value === undefined) return null;
    return value.map((item) => (kind === "ls" ? text(item) : String(item))).join(", ");
  }

  function table(className, caption, headings, rows) {
    const head = el("tr", null);
    for (const heading of headings) {
      const th = el("th", null, heading);
      th.scope = "col";
      head.append(th);
    }
    return el("div", "table-wrap", el("table", className, el("caption", "visually-hidden", caption),
      el("thead", null, head), el("tbody", null, ...rows)));
  }

  function chips(items, empty) {
    if (!items || items.length === 0) return el("p", "unset", empty);
    return el("ul", "chips", ...items.map((item) => el("li", null, item)));
  }

  function renderAccount() {
    const section = byId("account");
    if (!state.account) { section.hidden = true; return false; }
    section.hidden = false;
    const body = byId("account-body");
    const title = byId("account-title");
    const a = accountIndex.get(Number(state.account));
    if (a === undefined) {
      title.textContent = "Account " + state.account;
      body.replaceChildren(el("p", null, "No account with id " + state.account + " is in this inventory."));
      return true;
    }
    title.textContent = "Account " + aId[a] + (text(aEmail[a]) ? ": " + text(aEmail[a]) : "");
    const own = perAccount.subarray(perAccountStart[a], perAccountStart[a + 1]);
    let waived = 0;
    let known = 0;
    const failing = new Map();
    for (const i of own) {
      if (fStatus[i] === WAIVED) waived++;
      if (fStatus[i] === BASELINE) known++;
      const field = text(fField[i]);
      if (field) {
        if (!failing.has(field)) failing.set(field, []);
        failing.get(field).push((fStatus[i] === WAIVED ? "\u2298 " : "\u2716 ") + text(fId[i]) +
          (fStatus[i] === WAIVED ? " (waived)" : ""));
      }
    }
    const facts = el("dl", "account-facts");
    const fact = (label, value) => facts.append(el("div", null, el("dt", null, label), el("dd", null, valueNode(value))));
    fact("Account id", String(aId[a]));
    fact("From name", text(aFromName[a]));
    fact("From email", text(aEmail[a]));
    fact("Provider", text(aType[a]));
    fact("Client", Number.isNaN(aClient[a]) ? "no client" : "client " + aClient[a]);
    fact("Findings", fmt(own.length) + " (" + fmt(own.length - waived - known) + " open, " + fmt(waived) + " waived" +
      (known ? ", " + fmt(known) + " baseline)" : ")"));
    const findingRows = Array.from(own, (i) => findingRow(i, false));
    const settings = [];
    for (const name of A.names) {
      if (name === ROLE.tags || name === ROLE.campaigns) continue;
      const label = SECRET_FLAGS[name] || name;
      const value = formatSetting(name, A.kinds[name], A.cols[name][a]);
      const flags = failing.get(label) || failing.get(name);
      const th = el("th", null, el("code", null, label));
      th.scope = "row";
      const tr = el("tr", flags ? "failing" : null, th, el("td", "value", valueNode(value)),
        el("td", "flag", flags ? flags.join(", ") : ""));
      tr.dataset.setting = label;
      settings.push(tr);
    }
    const campaigns = aCampaigns[a];
    body.replaceChildren(
      facts,
      el("h3", null, "Findings (" + fmt(own.length) + ")"),
      own.length
        ? table("findings account-findings", "Findings for this account, each with its fix",
          ["Severity", "Rule", "Status", "Setting", "Actual", "Expected", "Message", "Fix"], findingRows)
        : el("p", null, "No findings: this account meets every rule that applies to it."),
      el("h3", null, "Tags"),
      chips((aTags[a] || []).map(text), "No tags."),
      el("h3", null, "Campaigns"),
      campaigns === null || campaigns === undefined
        ? el("p", "unset", "Campaign ids were not fetched.")
        : chips(campaigns.map(String), "In no campaign."),
      el("h3", null, "Settings"),
      table("settings", "Every audited setting of this account",
        ["Setting", "Value", "Findings"], settings),
    );
    return true;
  }

  // ---- controls ---------------------------------------------------------------------------------

  const controls = {};
  for (const key of FILTERS) controls[key] = byId("f-" + key);

  function syncControls() {
    for (const key of FILTERS) {
      const control = controls[key];
      const value = state[key];
      if (control.tagName === "SELECT" && value &&
          !Array.from(control.options).some((option) => option.value === value)) {
        control.append(el("option", null, value + " (not in this report)"));
        control.lastChild.value = value;
      }
      control.value = value;
    }
    byId("p-size").value = String(state.size);
  }

  function update(resetPage) {
    if (resetPage) state.page = 1;
    writeHash();
    recompute();
    renderFindings();
  }

  function readControls() {
    for (const key of FILTERS) state[key] = controls[key].value.trim();
  }

  for (const key of FILTERS) {
    if (key === "q") continue;
    controls[key].addEventListener("change", () => { readControls(); update(true); });
  }
  let typing = 0;
  controls.q.addEventListener("input", () => {
    clearTimeout(typing);
    typing = setTimeout(() => { readControls(); update(true); }, 200);
  });
  byId("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(typing);
    readControls();
    update(true);
  });
  byId("f-clear").addEventListener("click", () => {
    for (const key of FILTERS) state[key] = "";
    syncControls();
    update(true);
  });
  for (const th of document.querySelectorAll("#findings-table th[data-sort]")) {
    th.querySelector("button").addEventListener("click", () => {
      const column = th.dataset.sort;
      if (state.sort === column) state.dir = state.dir === "asc" ? "desc" : "asc";
      else { state.sort = column; state.dir = column === "severity" ? "desc" : "asc"; }
      update(true);
    });
  }
  const goPage = (page) => () => { state.page = page(); update(false); };
  const lastPage = () => Math.max(1, Math.ceil(ordered.length / state.size));
  byId("p-first").addEventListener("click", goPage(() => 1));
  byId("p-prev").addEventListener("click", goPage(() => Math.max(1, state.page - 1)));
  byId("p-next").addEventListener("click", goPage(() => Math.min(lastPage(), state.page + 1)));
  byId("p-last").addEventListener("click", goPage(lastPage));
  byId("p-size").addEventListener("change", (event) => {
    state.size = Number(event.target.value) || DEFAULT_SIZE;
    update(true);
  });
  byId("account-close").addEventListener("click", (event) => {
    event.preventDefault();
    const hash = buildHash(Object.assign({}, state, { account: "" }));
    location.hash = hash;
    byId("findings").scrollIntoView();
    byId("findings-title").focus({ preventScroll: true });
  });

  /** Make the page show what the hash says, and scroll to it: the account view, or the findings
   * when the hash filters them (a shared link, or a rule, card or chart bar clicked). */
  function applyHash(initial) {
    const next = readHash();
    if (next === null && !initial) return;
    Object.assign(state, next || blankState());
    syncControls();
    recompute();
    renderFindings();
    const showing = renderAccount();
    if (showing) {
      byId("account").scrollIntoView();
      byId("account-title").focus({ preventScroll: true });
    } else if (FILTERS.some((key) => state[key])) {
      byId("findings").scrollIntoView();
      if (!initial) byId("findings-title").focus({ preventScroll: true });
    }
  }

  window.addEventListener("hashchange", () => applyHash(false));
  // A filter link whose hash is already the page's fires no hashchange: apply it all the same,
  // so a second click on the same rule still scrolls to its findings.
  document.addEventListener("click", (event) => {
    const link = event.target instanceof Element ? event.target.closest("a.filter-link") : null;
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey) return;
    const hash = link.getAttribute("href") || "";
    if (hash === location.hash) { event.preventDefault(); applyHash(false); }
  });
  // A printout is not paged by buttons: print the matching rows from the first (up to a limit).
  window.addEventListener("beforeprint", () => renderFindings(true));
  window.addEventListener("afterprint", () => renderFindings(false));
  applyHash(true);
  document.documentElement.dataset.ready = "true";
  performance.mark("audit-ready");
})();
