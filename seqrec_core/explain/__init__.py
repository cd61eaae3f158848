"""Explanations of one recommendation, and how far to trust them.

- `explanation`: `explain_user`, the entry point that runs every explainer.
- `options`: what an explanation request may ask for (methods, target, baseline, checks).
- `inputs`: which events of a shopper a model reads, its ranking of them, the target.
- `model_protocols`: what explainers need from a model (attention maps, scoring from
  input vectors, a history window), as protocols checked with `isinstance`.
- `attributions`: Integrated Gradients (Captum) and occlusion over past events.
- `attention`: attention maps, rollout across layers, the final position's row.
- `rescoring`: exact re-scoring of edited copies of one sequence, in batches.
- `groups`: a shopper's events grouped by category and brand, for group ablation.
- `faithfulness`: deletion curves, comprehensiveness, agreement between methods.
- `reasons`: the few past events that lift a recommendation most, and its rank without them.
- `counterfactual`: the smallest set of past events whose removal changes the top item.
- `audit`: how often each method is faithful, over a sample of shoppers.
- `cases`: shoppers worth explaining (most and least confident, surprising).
- `sentences`: explanations in words, shared by the Explain page and the review report.
"""
