"""Coordinators manage survey definitions: import XLSForms, replace location lists."""
