"""Issuance of permits and licences, verification, the public register, licence lifecycle."""
