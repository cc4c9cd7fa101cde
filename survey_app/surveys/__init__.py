"""Survey definitions: the format, its validation, publishing and the built-in surveys."""
