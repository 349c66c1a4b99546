"""One reader per raw format: official column names in, tidy vintage-named frame out.

Only this package knows raw column names. Each public ``read_*`` function takes a path and
returns a tidy :class:`pandas.DataFrame` named as in ``docs/data-contract.md``.
"""
