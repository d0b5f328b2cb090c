"""The one spreadsheet-import core: the safe reader (the only module that opens python-calamine), sheet extents,
legacy-font text, and the pieces every import shares. It imports no app; the apps import it."""
