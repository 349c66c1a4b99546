"""Stage 3, report: result files -> the values, tables and figures the Quarto report quotes,
the checks on its sources, and the render. Reads result files, never model code."""
