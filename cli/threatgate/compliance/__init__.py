"""Compliance over assessed models: coverage of a framework's requirements
(``coverage``), the report pages built from it (``report``), requirements ranked for a
hand-written control (``automap``) and rule-pack controls that would cover gaps
(``suggest``)."""
