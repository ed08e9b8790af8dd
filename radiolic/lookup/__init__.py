"""Applicants: status lookup and online applications (public pages)."""
