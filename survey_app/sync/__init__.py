"""The sync contract v1: phones send batches of submissions, the server stores them durably."""
