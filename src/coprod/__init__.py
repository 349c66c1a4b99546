"""Co-production equity and cost pipeline: English open data to a rendered report."""
