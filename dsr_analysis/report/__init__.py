"""The report side: units, chapters, tables, figures, the diagram and the index page."""
