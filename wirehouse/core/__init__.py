"""What every stage shares and nothing else: settings, the document types, the data contract
(one Arrow schema per table), the reference folder, derived-data caching and progress callbacks.
Imports no other wirehouse package."""
