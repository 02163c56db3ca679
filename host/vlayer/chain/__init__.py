"""Chain schedules and block headers."""
