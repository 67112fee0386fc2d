"""Running engagements: the headless runner (papermill), many engagements at once, trainer packs.
The top layer under the command line: it may import every other layer.
"""
