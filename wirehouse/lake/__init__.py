"""The Parquet lake: where stages hand files to each other (a local folder or an object-storage
URL). ``storage`` opens locations, ``parquet`` writes and reads one file per table per batch."""
