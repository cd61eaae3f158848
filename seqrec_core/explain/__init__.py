"""Explanations of one recommendation, and how far to trust them.

- `explanation`: `explain_user`, the entry point that runs every explainer.
- `options`: what an explanation request may ask for (methods, target, baseline, checks).
- `inputs`: which events of a shopper a model reads, and its ranking of them.
- `attributions`: Integrated Gradients (Captum) and occlusion over past events.
- `attention`: attention maps, rollout across layers, the final position's row.
- `rescoring`: exact re-scoring of edited copies of one sequence, in batches.
- `faithfulness`: deletion curves, comprehensiveness, agreement between methods.
- `counterfactual`: the smallest set of past events whose removal changes the top item.
- `audit`: how often each method is faithful, over a sample of shoppers.
- `cases`: shoppers worth explaining (most and least confident, surprising).
- `sentences`: explanations in words, shared by the Explain page and the review report.
"""
