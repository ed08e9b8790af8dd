"""The staff home page, the shared case page and the language switch."""
