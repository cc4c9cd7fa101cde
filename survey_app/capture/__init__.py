"""Filling a survey in the browser: the server-rendered form page that works without JS."""
