"""`flask --app radiolic` commands of this blueprint (registered by radiolic.cli)."""

commands: list = []
