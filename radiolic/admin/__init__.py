"""Administration: staff accounts, the service catalogue, the holiday calendar, system checks."""
