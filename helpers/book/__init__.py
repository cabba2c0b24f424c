"""The book's own machinery: what the notebooks, the build and the workshop use.

:class:`~helpers.book.chapter.Chapter` wires a notebook to its mode, credentials and cassettes;
``recording`` and ``redaction`` configure vcrpy and scrub what it writes; ``rerecord`` is
``make cassettes``; ``callback_tape`` records and replays the sandbox's webhook deliveries;
``figures`` draws deterministic plots; ``workshop`` and ``check_setup`` run workshop day.

Nothing in the library (``helpers.client`` and its neighbours) imports from here.
"""
