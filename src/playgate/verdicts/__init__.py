"""What the ledger shows people: one media's history (``status``) and a period's report (``report``).

Read by the CLI only, never on the function's path: :mod:`.summary` computes, :mod:`.render` writes text
(table, Markdown, JSON) and :mod:`.html` writes one self-contained page.
"""
