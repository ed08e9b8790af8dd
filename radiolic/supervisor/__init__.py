"""Supervisors: the indicators dashboard, exports and the annual report."""
