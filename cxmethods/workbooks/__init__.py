"""One orchestrator per workbook, named after it: ``run(engagement, run_dir, **options)`` reads the inputs and
the earlier steps' tables, calls the methods and returns a results object (tables, views, remarks, charts) that
writes through the artifact registry. The notebooks call these. Imports every layer below (core ... outputs).
"""
