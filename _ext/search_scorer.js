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
