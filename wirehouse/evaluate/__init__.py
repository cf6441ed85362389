"""Extraction measured against gold files written by others (`wirehouse eval ...`)."""
