"""One orchestrator per workbook, named after it: ``run(engagement, run_dir, **options)`` reads the inputs and
the earlier steps' tables, calls the methods and returns a results object (tables, views, remarks, charts) that
writes through the artifact registry. The notebooks call these. Imports every layer below (core ... outputs).
"""


def warm_up() -> None:
    """Load what the workbooks otherwise load at their first need: the model that finds names in free text, which
    nearly every workbook's inputs send through redaction. ``cxm run`` calls it in each kernel it starts ahead of
    its workbook, while the workbooks before it finish, so that a workbook does not spend that time on the
    critical path; it changes no result."""
    from cxmethods.io.redact import load_name_model

    load_name_model()
