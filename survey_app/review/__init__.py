"""Coordinators' review: shared filters, review states and history, queues, corrections."""
