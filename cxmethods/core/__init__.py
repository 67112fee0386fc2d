"""Core: errors, paths, the engagement config and its YAML loading, file kinds, input-table fields, parameter checks.

The bottom layer: it imports nothing else from cxmethods, and every other layer may import it.
"""
