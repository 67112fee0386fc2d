"""Input and output: inputs read through the column mapping, value coercion, redaction, the answer store and
the artifact registry (every step's tables, by name). Imports only :mod:`cxmethods.core`.
"""
