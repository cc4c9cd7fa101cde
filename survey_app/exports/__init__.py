"""Exports: columns derived from every version's definition, streamed row by row."""
