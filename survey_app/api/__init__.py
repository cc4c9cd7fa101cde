"""The JSON API (v1): surveys for phones, the sync endpoint, exports."""
