"""Stage 1, data: the registry, acquisition (the only code that touches the network or the
mirror), one reader per raw format (the only code that knows raw column names), ONS codes and
geography, and the validated tidy tables every later stage reads."""
