"""Paper score sheets: xlsx import with a per-row report, and entry by hand."""
