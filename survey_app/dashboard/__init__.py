"""The coordinators' dashboard: counts in SQL, charts as server-rendered SVG."""
