"""Stage 2, analysis: the power index (C1), service use against power and its concentration
(C2), the capacity gap (C3), the multiverse of specifications, the cost model (C4) and the
financial climate (C5). Reads tidy tables; imports ``coprod.data`` only for shared helpers."""
