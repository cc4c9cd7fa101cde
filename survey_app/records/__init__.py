"""The read side of records, in the data flow's order: sync stores a record, the derived
index (``derived_index``) turns its answers into one row of facts, and the shared filters
(``filters``) and review states (``review_states``) narrow and label those rows for the
submissions page, review, the dashboard, every export and the action plans
(``source``).
"""
