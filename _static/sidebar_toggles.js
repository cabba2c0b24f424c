/*
 * The sidebar buttons that the reader can see open the sidebars.
 *
 * Shim for a bug of pydata-sphinx-theme 0.17 with sphinx-book-theme 1.3 (the pair that
 * constraints.txt pins; sphinx-book-theme 1.3.0 requires pydata-sphinx-theme==0.17.1):
 * https://github.com/pydata/pydata-sphinx-theme/issues/2451 and
 * https://github.com/executablebooks/sphinx-book-theme/issues/988.
 * Both themes render a button with the class `primary-toggle` (and one with `secondary-toggle`):
 * the theme's own in the top navbar, which this book never shows, and sphinx-book-theme's in the
 * article header, which is the one a reader taps. The themes attach their click handlers with
 * `document.querySelector(".primary-toggle")`, so only the first, hidden button gets them, and on
 * a phone the chapter list can never be opened.
 *
 * Here a click on any later button of the same kind is handed to the first one, whose handlers
 * then do what they were written to do: open the sidebar as a dialog on a narrow screen, collapse
 * it on a wide one (sphinx-book-theme's handler). tests/site/test_site_browser.py taps the menu at
 * 390 px and checks that the chapter links appear. Remove this file when an upstream release
 * fixes the bug (the test will say whether it did).
 */
(() => {
  const forward = (kind) => {
    const buttons = document.querySelectorAll(`.${kind}`);
    if (buttons.length < 2) return;
    const first = buttons[0];
    buttons.forEach((button, index) => {
      if (index === 0) return;
      button.addEventListener("click", (event) => {
        event.preventDefault();
        event.stopPropagation();
        first.click();
      });
    });
  };
  const setUp = () => ["primary-toggle", "secondary-toggle"].forEach(forward);
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
