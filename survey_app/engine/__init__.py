"""Survey engine: definitions, expressions and validation shared by server and phone."""
