"""What SeqRec Studio hands out as files: the explainability review report (one
self-contained HTML file) and the CSV exports of every table.

- `review_report`: `build_report`, gathering a run's model card, shoppers and audit.
- `sections`: the report's sections as HTML.
- `defaults`: what a report request defaults to, free of torch.
- `csv_export`: `csv_bytes`, a table as CSV whose cells never open as spreadsheet formulas.
- `numbers`: figures written for people (counts, significant digits, percentages).
"""
