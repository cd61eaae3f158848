"""Datasets as models and profiles read them: profile, sequences, vocabularies, features.

- `dataset_profile`: the summary tables of a dataset (the Data page's profile).
- `dataset_verdict`: the Data page's one-sentence finding on a dataset, and its span in words.
- `funnel_and_rhythm`: funnel and activity rhythm, for the whole shop and for one shopper.
- `sequences`: per-user chronological sequences, splits and the torch datasets.
- `shopper_events`: one shopper's events and every shopper's event count, from the file.
- `vocab`: id vocabularies and item side-feature tables.
- `cold_items`: holding a share of the items out of training (cold-start evaluation).
- `prepare`: from a registered dataset to model inputs (sequences, split, features, model).
- `split_names`: the split and held-out part names, free of torch.
"""
