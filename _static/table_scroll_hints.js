/*
 * A table that is wider than its box says that it scrolls sideways.
 *
 * The theme puts each table in a box that scrolls (`.pst-scrollable-table-container`), and the
 * chapters' HTML outputs scroll too, but nothing showed that columns were hidden past the edge.
 * Code blocks scroll too and get a bar only. This marks each such box whose content is wider than the box with `scroll-hint`; layout.css
 * then shows a line above the table and a bar on its right edge. Checked again when the window
 * is resized (a phone turned sideways).
 */
(() => {
  const boxes =
    ".pst-scrollable-table-container, div.cell_output .output.text_html, div.highlight > pre";
  const mark = () =>
    document.querySelectorAll(boxes).forEach((box) => {
      box.classList.toggle("scroll-hint", box.scrollWidth > box.clientWidth + 1);
    });
  const setUp = () => {
    mark();
    let pending = null;
    window.addEventListener("resize", () => {
      clearTimeout(pending);
      pending = setTimeout(mark, 150);
    });
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUp);
  } else {
    setUp();
  }
})();
