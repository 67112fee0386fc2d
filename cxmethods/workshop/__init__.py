"""The workshop forms (ipywidgets): every answer saved at once through the answer store. Imports the layers below
(core ... plots); not the outputs, which sit on the same floor.
"""
