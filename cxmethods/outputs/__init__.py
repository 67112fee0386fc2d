"""What the client reads: headline findings, the code-free HTML report, the Excel file and the slide deck,
made from a run folder's artifacts.
"""
