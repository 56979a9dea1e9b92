"""threatgate: threat models as code, validated, assessed and enforced in the pipeline."""

__version__ = "0.1.0"
