"""One orchestrator per workbook, named after it: inputs in, a results object out (tables, views, remarks, charts),
written through the artifact registry. The notebooks call these.
"""
