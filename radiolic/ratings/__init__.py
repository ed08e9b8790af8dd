"""好差评 ratings and the follow-up of bad ones."""
