"""What SeqRec Studio hands out as files: the explainability review report (one
self-contained HTML file) and the CSV exports of every table.

- `review_report`: `build_report`, gathering a run's model card, shoppers and audit.
- `verdict`: the report's opening sentence and suggested decision.
- `sections`: the run-wide sections (header, terms, model card, audit, limitations).
- `shopper_section`: one shopper's section (recommendations, reasons, figures).
- `page`: the style sheet, escaped tables and the HTML shell.
- `figure_book`: the figures fitted to the page, thinned, and drawn by one script.
- `plotly_bundle`: the smallest plotly.js that draws the figures (vendored in `assets/`).
- `progress`: progress per step with counts ("explained 3 of 20 shoppers").
- `numbers`: numbers written for people (counts, significant digits, percentages).
- `defaults`: what a report request defaults to and the verdict's bars, free of torch.
- `csv_export`: `csv_bytes`, a table as CSV whose cells never open as spreadsheet formulas.
"""
