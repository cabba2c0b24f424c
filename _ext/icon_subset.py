"""Sphinx: the icon font holds the icons the site draws, and the stylesheet names only those.

pydata-sphinx-theme ships Font Awesome's whole solid font (``fa-solid-900.woff2``, 156 KB, about
1,400 icons) and a rule for every icon in its stylesheet; a page here draws about twenty. Once the
site is written, this keeps in each of the theme's icon fonts only the glyphs it uses (fontTools'
subsetter, as ``pyftsubset`` runs it) and drops the stylesheet's rules for the icons no page
names. An icon is used when

- a page or one of the site's scripts names its class (``fa-bars``), or
- a stylesheet draws its character outside Font Awesome's own class rules (the theme's admonition
  and navigation icons, ``--pst-icon-bell: ""``; sphinx-book-theme's ``\\f107``).

tests/site/test_site_browser.py draws every icon on every page and checks that the font has it.
"""

from __future__ import annotations

import re
from pathlib import Path

from sphinx.util import logging

LOG = logging.getLogger(__name__)

#: Font Awesome's rule for one icon's class (and its aliases), as the minified stylesheet has it.
CLASS_RULE = re.compile(r'((?:\.fa-[a-z0-9-]+:(?:before|after),?)+)\{content:"(\\[0-9a-f]+)"\}')
CLASS_NAME = re.compile(r"\.fa-([a-z0-9-]+):")
#: A class named in a page or a script.
NAMED = re.compile(r"\bfa-([a-z0-9-]+)")
#: The Private Use Area, where icon fonts keep their glyphs: as a CSS escape or as the character.
ESCAPE = re.compile(r"\\(e[0-9a-f]{3}|f[0-8][0-9a-f]{2})(?![0-9a-f])", re.I)
LITERAL = re.compile("[\ue000-\uf8ff]")
#: The folders of the built site that are not the book's pages (the in-browser lab has its own).
ELSEWHERE = ("lite", "_sources", "_images")


def site_files(outdir: Path, suffix: str) -> list[Path]:
    return [
        path
        for path in outdir.rglob(f"*{suffix}")
        if path.relative_to(outdir).parts[0] not in ELSEWHERE
        and not path.name.startswith("fontawesome")  # the script the pages no longer load
    ]


def named_classes(outdir: Path) -> set[str]:
    """The icon classes (``bars`` for ``fa-bars``) the pages and the site's scripts name."""
    named: set[str] = set()
    for path in [*site_files(outdir, ".html"), *site_files(outdir / "_static", ".js")]:
        named.update(NAMED.findall(path.read_text(errors="replace")))
    return named


def used_codepoints(outdir: Path, theme_css: str, named: set[str]) -> set[int]:
    """Every icon character the site can draw (see the module's docstring)."""
    classes: dict[str, int] = {}
    for selectors, escape in CLASS_RULE.findall(theme_css):
        for name in CLASS_NAME.findall(selectors):
            classes[name] = int(escape[1:], 16)
    used = {classes[name] for name in named if name in classes}
    for path in site_files(outdir / "_static", ".css"):
        text = CLASS_RULE.sub("", path.read_text(errors="replace"))
        used.update(int(code, 16) for code in ESCAPE.findall(text))
        used.update(ord(char) for char in LITERAL.findall(text))
    return used


def trim_class_rules(theme_css: str, used: set[str]) -> str:
    """The stylesheet without the rules of icon classes no page names."""

    def keep(rule: re.Match) -> str:
        return rule.group(0) if used & set(CLASS_NAME.findall(rule.group(1))) else ""

    return CLASS_RULE.sub(keep, theme_css)


def subset_font(path: Path, codepoints: set[int]) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    font = TTFont(path)
    options = subset.Options()
    options.flavor = font.flavor  # woff2 stays woff2 (brotli), a .ttf stays a .ttf
    options.ignore_missing_unicodes = True  # the solid font lacks the regular's icons, and so on
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=codepoints)
    subsetter.subset(font)
    font.save(path)


def subset_icons(app, exception) -> None:
    if exception is not None or app.builder.format != "html":
        return
    outdir = Path(app.outdir)
    theme_css_path = outdir / "_static" / "styles" / "pydata-sphinx-theme.css"
    fonts = sorted((outdir / "_static" / "vendor" / "fontawesome" / "webfonts").glob("fa-*"))
    if not theme_css_path.exists() or not fonts:
        return  # another theme: nothing of Font Awesome's to trim
    theme_css = theme_css_path.read_text()
    named = named_classes(outdir)
    codepoints = used_codepoints(outdir, theme_css, named)
    theme_css_path.write_text(trim_class_rules(theme_css, named))
    for font in fonts:
        if font.suffix in (".woff2", ".ttf"):
            subset_font(font, codepoints)
    LOG.info("icon fonts: %d glyphs kept", len(codepoints))


def setup(app):
    app.connect("build-finished", subset_icons)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
