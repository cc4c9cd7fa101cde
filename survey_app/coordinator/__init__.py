"""The coordinators' workspace: submissions, review, dashboard."""
