"""wirehouse: news articles to a queryable event warehouse."""

__version__ = "0.1.0"

# Bump when extraction output changes for the same input and model: documents extracted
# with another version are stale and re-extracted by the next incremental run.
EXTRACTOR_VERSION = "2026.12.04.3"
