"""Public feedback links: anonymous, unguessable URLs (and QR codes) for one survey each.

``routes`` holds the coordinators' pages, ``public`` the respondent's pages, ``api`` the
sync endpoint for link records; ``model`` and ``admission`` hold the rules.
"""
