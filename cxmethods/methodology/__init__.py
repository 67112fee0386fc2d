"""The methodology as data: validated loaders of the maturity model, quick test, role checklist, benchmarks and
service standards under ``templates/``. Imports only the layers below (core, io).
"""
