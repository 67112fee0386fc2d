"""Every ``plot_*`` function: each draws a table that a method computed. Imports the layers below (core ... methods)."""
