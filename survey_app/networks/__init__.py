"""The shared registry of networks and resources named in listening sessions (issue 14)."""
