"""The home screen and the health check."""
