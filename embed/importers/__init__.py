"""Importers: a site's comment history from Disqus, WordPress, Isso, Remark42 and Commento.

One module per format reads its file as a stream and yields records (`records.py`); one shared
step applies the platform's rules to each (`clean.py`), one writer stages and merges them in
a single transaction (`writer.py`); `run.comments_import` ties them together, `export.py`
writes the site back out. docs/import.md explains the formats and the mapping of each field.
"""
