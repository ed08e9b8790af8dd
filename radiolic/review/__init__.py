"""Review and decision against the statutory clocks."""
