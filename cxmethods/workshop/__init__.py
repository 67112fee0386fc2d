"""The workshop forms (ipywidgets): every answer saved at once through the answer store."""
