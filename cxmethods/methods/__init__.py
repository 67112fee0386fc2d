"""The analyses: DataFrames in, tidy DataFrames out. No run folders, no artifact paths, no charts (:mod:`cxmethods.plots`
draws them). Imports only the layers below (core, io, methodology).
"""
