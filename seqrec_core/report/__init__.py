"""The explainability review report: one self-contained HTML file.

- `review_report`: `build_report`, gathering a run's model card, shoppers and audit.
- `sections`: the report's sections as HTML.
- `defaults`: what a report request defaults to, free of torch.
"""
