"""What the client reads: headline findings, the code-free HTML report, the Excel file and the slide deck,
made from a run folder's artifacts. Imports the layers below (core ... plots); not the workshop forms, which sit
on the same floor.
"""
