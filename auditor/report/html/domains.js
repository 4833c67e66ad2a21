/* The Domains section: filter its rows, and name an account's domains in the account view.
   Kept apart from report.js (appended to it when inlined): it only reads the server-rendered
   table and writes with textContent. */
(function () {
  "use strict";

  function setupDomains() {
    const section = document.getElementById("domains");
    if (!section) return;
    const rows = Array.from(section.querySelectorAll("tbody tr"));
    const input = document.getElementById("domains-filter");
    const count = document.getElementById("domains-count");
    input.addEventListener("input", () => {
      const query = input.value.trim().toLowerCase();
      let shown = 0;
      for (const row of rows) {
        const match = !query || row.textContent.toLowerCase().includes(query);
        row.hidden = !match;
        if (match) shown += 1;
      }
      count.textContent = query ? shown + " of " + rows.length + " domains match" : rows.length + " domains";
    });

    const byAccount = new Map();
    for (const row of rows) {
      for (const id of (row.dataset.accounts || "").split(" ")) {
        if (!id) continue;
        if (!byAccount.has(id)) byAccount.set(id, []);
        byAccount.get(id).push(row);
      }
    }
    const body = document.getElementById("account-body");
    if (!body) return;
    const annotate = () => {
      const match = /(?:^#|&)account=(-?\d+)/.exec(location.hash);
      if (!match || !byAccount.has(match[1]) || document.getElementById("account-domains")) return;
      const line = document.createElement("p");
      line.id = "account-domains";
      line.append("Domains: ");
      byAccount.get(match[1]).forEach((row, index) => {
        if (index) line.append("; ");
        const link = document.createElement("a");
        link.href = "#" + row.id;
        link.textContent = row.dataset.domain;
        line.append(link, " (" + row.dataset.summary + ")");
      });
      body.prepend(line);
    };
    // The account view is rebuilt by report.js on every hash change: annotate each new view.
    new MutationObserver(annotate).observe(body, { childList: true });
    annotate();
  }

  setupDomains();
})();
