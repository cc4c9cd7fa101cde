"""Local action plans, their reviews, and the public "what we heard" pages (issue 14)."""
