/*
 * The site search ranks the chapters above the API reference, and finds status codes.
 *
 * Sphinx copies this file into _static/language_data.js (`html_search_scorer`, set by
 * _ext/site_search.py), which loads after searchtools.js and before the search runs.
 *
 * 1. Sphinx's searchtools.js skips every query word made only of digits, so "401" or "429" never
 *    reached the full text (the index has them) and result snippets never showed them. The query
 *    parser is wrapped so that such words are searched and highlighted like any other.
 * 2. A reader searching "api key" or "rate limit" wants the chapter that explains it, not
 *    `helpers.sandbox.keys`. Results on the API reference's pages (book/api_*) lose points, and its internals
 *    (the sandbox and the book's machinery) lose more, so the chapters come first. Modules no
 *    longer get Sphinx's large bonus for "important" objects.
 *
 * tests/site/test_site_browser.py searches for each status code and term and checks the order.
 */
var Scorer = {
  score: (result) => {
    const [docname, title, anchor, _descr, score] = result;
    if (!docname.startsWith("book/api_")) return score;
    const internal = /helpers\.(sandbox|book)\b/.test(`${title} ${anchor}`);
    return score - (internal ? 20 : 10);
  },
  objNameMatch: 11,
  objPartialMatch: 6,
  // Sphinx gives modules (priority 0) 15 points over other objects; here they count the same.
  objPrio: { 0: 5, 1: 5, 2: -5 },
  objPrioDefault: 0,
  title: 15,
  partialTitle: 7,
  term: 5,
  partialTerm: 2,
};

if (typeof Search !== "undefined" && !Search._keepsNumbers) {
  const parseQuery = Search._parseQuery;
  Search._parseQuery = (query) => {
    const parsed = parseQuery(query);
    const [, searchTerms, , highlightTerms] = parsed;
    splitQuery(query.trim())
      .filter((word) => /^\d+$/.test(word))
      .forEach((number) => {
        searchTerms.add(number);
        highlightTerms.add(number);
      });
    return parsed;
  };
  Search._keepsNumbers = true;
}

/*
 * 3. Excerpts come from the prose. Sphinx's excerpt is the page's text from the first match:
 *    for "401" it was a line of code, for "IP whitelist" the header buttons' labels. Code,
 *    outputs, buttons and navigation are left out of the text it reads.
 * 4. A result lands on its section: the excerpt is taken from the first section whose own prose
 *    holds a query word, and the result's link gets that section's anchor.
 * 5. One result per page: the best-scored of a page's matches (Sphinx listed a page once per
 *    way it matched, so Errors appeared twice).
 */
if (typeof Search !== "undefined" && !Search._readsProse) {
  const NOT_PROSE = [
    ".headerlink", "script", "style", "pre", "div.highlight", "div.cell_input",
    "div.cell_output", ".response", "button", "nav", ".header-article", ".bd-header-article",
    ".prev-next-area", "label.sd-tab-label", ".toggle-details__summary", "summary",
    "#jb-print-toc", ".article-header-buttons", ".dropdown-menu",
  ].join(",");
  const prose = (element) => {
    const copy = element.cloneNode(true);
    copy.querySelectorAll(NOT_PROSE).forEach((el) => el.remove());
    return copy.textContent.replace(/\s+/g, " ").trim();
  };
  const ownProse = (section) => {
    const copy = section.cloneNode(true);
    copy.querySelectorAll("section").forEach((inner) => inner.remove());
    return prose(copy);
  };
  Search.htmlToText = (htmlString, anchor) => {
    const doc = new DOMParser().parseFromString(htmlString, "text/html");
    const main = doc.querySelector('[role="main"]');
    if (!main) return "";
    const block = (anchor && doc.getElementById(anchor.slice(1))) || main;
    return prose(block);
  };
  // The section to land on: one whose heading holds a query word, else the first whose own
  // prose does; the page's framing sections (overview, prerequisites...) only if nothing else.
  const FRAMING = /^(overview|prerequisites|imports|summary|what-s-next|resources)$/;
  const bestSection = (main, words) => {
    let best = null;
    let bestScore = 0;
    for (const section of main.querySelectorAll("section[id]")) {
      const heading = section.querySelector("h1, h2, h3, h4, h5, h6");
      const title = heading ? heading.textContent.toLowerCase() : "";
      const own = ownProse(section).toLowerCase();
      let score = words.some((w) => title.includes(w)) ? 2 : words.some((w) => own.includes(w));
      // Last resort: the word only in the section's code.
      if (!score && words.some((w) => section.textContent.toLowerCase().includes(w))) score = 0.25;
      if (score >= 1 && FRAMING.test(section.id)) score -= 0.5;
      if (score > bestScore) [best, bestScore] = [section, score];
    }
    return best;
  };
  Search.makeSearchSummary = (htmlText, keywords, anchor) => {
    const doc = new DOMParser().parseFromString(htmlText, "text/html");
    const main = doc.querySelector('[role="main"]') || doc.body;
    const words = [...keywords].map((k) => k.toLowerCase());
    let section = null;
    // An anchor is an id, which for API entries holds dots: not a CSS selector.
    let text = anchor ? prose(doc.getElementById(anchor.slice(1)) || main) : "";
    if (text.length < 40) {  // no anchor, or an index entry's empty target
      section = bestSection(main, words);
      text = section ? ownProse(section) : prose(main);
      if (section && text.length < 80) text = prose(section);  // a heading over its subsections
    }
    const lower = text.toLowerCase();
    const at = words.map((w) => lower.indexOf(w)).filter((i) => i > -1)[0] ?? 0;
    const start = Math.max(at - 120, 0);
    const summary = document.createElement("p");
    summary.classList.add("context");
    summary.textContent =
      (start ? "..." : "") + text.substr(start, 240).trim() + (start + 240 < text.length ? "..." : "");
    if (section) summary.dataset.section = section.id;
    return summary;
  };
  // The summary arrives after its result's link is drawn: point the link at the section then.
  const landOnSections = new MutationObserver((changes) =>
    changes.forEach((change) =>
      change.addedNodes.forEach((node) => {
        if (!(node instanceof HTMLElement) || !node.dataset.section) return;
        const link = node.parentElement?.querySelector("a");
        const href = link?.getAttribute("href") ?? "";
        if (link && !href.includes("#")) link.setAttribute("href", `${href}#${node.dataset.section}`);
      })
    )
  );
  const watch = () => {
    const results = document.getElementById("search-results");
    if (results) landOnSections.observe(results, { childList: true, subtree: true });
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", watch);
  else watch();
  const performSearch = Search._performSearch;
  Search._performSearch = (...args) => {
    // Best last (the page shows results from the end): keep each page's last entry only.
    const seen = new Set();
    return performSearch(...args)
      .reverse()
      .filter(([docname]) => !seen.has(docname) && seen.add(docname))
      .reverse();
  };
  Search._readsProse = true;
}
