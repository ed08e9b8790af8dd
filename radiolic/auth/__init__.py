"""Staff sign-in, sign-out and password change."""
