"""``dsr check``: every problem of a monitoring export, for the data manager to work through.

:mod:`.findings` reads and validates the export exactly as ``dsr tables`` does and keeps every
problem (no cap); :mod:`.rules` names the rule each breaks and words it in Danish or English;
:mod:`.page` writes the HTML page, :mod:`.workbook` the highlighted copy; :mod:`.command` is the
command.
"""
