"""The citation lint: the sentences about Exotel that cite nothing.

A sentence is a claim when it names Exotel (or one of its documents or hosts) and states a
status, a number, a limit, a host or a rule; it is cited when it carries the ``exotel`` role
(see :mod:`helpers.book.sources`; a disputed topic's key cites its row), or links the table
of disagreements. The book's own
statements that match anyway are in :data:`ALLOWED`, each with the reason it needs no citation.
Doctest lines are examples, not statements.

>>> uncited("Exotel answers 429 after 200 requests a minute.")
['Exotel answers 429 after 200 requests a minute.']
>>> uncited("Exotel answers 429 {exotel}`guide.rate-limit-table`.")
[]
"""

from __future__ import annotations

import re

from .sources import citations

#: Names Exotel, one of its documents, or one of its hosts.
ABOUT_EXOTEL = re.compile(
    r"\bExotel\b|exotel\.(?:com|in)\b|\bthe guide\b|\bthe FAQ\b|\b2019 (?:blog )?post\b"
    r"|Error Code Dictionary|\bsupport article\b",
    re.IGNORECASE,
)
#: States a status, a number with a unit, a host, or a rule.
SPECIFIC = re.compile(
    r"\b[1-5]\d\d\b|\b\d+\s*(?:s|seconds?|minutes?|hours?|days?|requests?|calls?|characters?)\b"
    r"|\b[a-z-]+(?:\.in)?\.exotel\.com\b|\bmust\b|\bnever\b|\brejects?\b|\binvalidat|\brequires?\b"
    r"|\bretr(?:y|ies)\b|\bdeprecated\b|\bdefaults?\b|\ba minute\b",
    re.IGNORECASE,
)

#: The book's own sentences that look like claims, and why each needs no citation. Reviewed:
#: add one only with its reason.
ALLOWED: dict[str, str] = {
    "Nothing on this page, or anywhere in the book, shows how the live API behaves on a given "
    "day: only a recording made in `live` mode does that.": "the book's rule, not Exotel's",
    "Nothing here shows how the live API behaves on a given day: only a recording made in "
    "`live` mode does that.": "the book's rule, not Exotel's",
    "**The library you can copy** into your own project: credentials, regions, the table of "
    "Exotel's endpoints the book uses, the client and its errors, retries, pacing, key rotation, "
    "and two small utilities.": "names the library's modules",
    "| Status | Exotel's meaning | Exotel's fix | Exception | Retry? |": "a table's header; "
    "its rows cite",
    "- Each answer says where it came from; the sandbox's answers are never Exotel's.": "the "
    "book's rule, not Exotel's",
    "Run the guide's Express example and watch its three bugs happen: a lost status update, a "
    "retry processed twice after a restart, and two concurrent retries both processed.": "the "
    "chapter's goals; the sections that show each bug cite",
    "Every statement about Exotel in this chapter comes from the FAQ, unless it names another "
    "source: the [*Authentication & Security* guide]"
    "(https://developer.exotel.com/docs/references/authentication), the 2019 post [*Access "
    "Control For Exotel APIs*](https://exotel.com/blog/access-control-for-exotel-apis/), or a "
    "linked page on developer.exotel.com.": "the chapter's convention; its claims cite",
}

FENCE = re.compile(r"^(```|~~~|:::)")
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z*\[(`\"])")


def sentences(markdown: str) -> list[str]:
    """The prose of a Markdown page, one sentence (or one table row) at a time."""
    out: list[str] = []
    paragraph: list[str] = []
    in_code = in_doctest = False

    def flush():
        text = " ".join(" ".join(paragraph).split())
        paragraph.clear()
        out.extend(s for s in SENTENCE_END.split(text) if s)

    for line in markdown.splitlines():
        stripped = line.strip()
        if stripped.startswith(("```", "~~~")):
            in_code = not in_code
            flush()
            continue
        if in_code or FENCE.match(stripped) or re.fullmatch(r"\([\w-]+\)=", stripped):
            flush()
            continue
        in_doctest = bool(stripped) and (in_doctest or stripped.startswith(">>> "))
        if in_doctest:
            flush()
            continue
        if stripped.startswith("|"):
            flush()
            if not re.fullmatch(r"[|\s:-]+", stripped):
                out.append(stripped)
            continue
        if not stripped or stripped.startswith("#"):
            flush()
            continue
        if re.match(r"([-*+]|\d+\.)\s", stripped):
            flush()  # each item of a list is its own paragraph
        paragraph.append(stripped)
    flush()
    return out


#: Where a link points is not what a sentence says.
LINK_TARGET = re.compile(r"\]\([^)]*\)|<https?://[^>]*>|https?://\S+")
#: A link to the table of disagreements cites the registry too (a row is cited by its topic).
DISAGREEMENT_LINK = re.compile(r"\]\((?:sources\.md)?#exotel-disagreements\)")


def is_claim(sentence: str) -> bool:
    said = LINK_TARGET.sub("]", sentence)
    return bool(ABOUT_EXOTEL.search(said) and SPECIFIC.search(said))


def is_cited(sentence: str) -> bool:
    return bool(citations(sentence) or DISAGREEMENT_LINK.search(sentence))


def uncited(markdown: str) -> list[str]:
    """The claims about Exotel in ``markdown`` that cite nothing and are not allowed."""
    return [
        sentence
        for sentence in sentences(markdown)
        if is_claim(sentence) and not is_cited(sentence) and sentence not in ALLOWED
    ]
