"""The report's opening verdict: the decision the numbers support, in one sentence."""

from __future__ import annotations

import math

from seqrec_core.report.verdict import APPROVE, CONDITIONS, REJECT, review_verdict


def _audit(**shares: float) -> dict[str, object]:
    methods = {m: {"faithful_share": s} for m, s in shares.items()}
    methods["random"] = {"mean_score_drop": 0.1}
    return {"users": 20, "methods": methods, "ig": {"large_delta_share": 0.05}}


def test_a_model_that_beats_the_list_with_trusted_reasons_is_approved() -> None:
    verdict = review_verdict(
        "SASRec", {"HR@10": 0.2153}, {"HR@10": 0.0287}, _audit(occlusion=0.85, ig=0.6)
    )
    assert verdict.decision == APPROVE and verdict.checks == ()
    assert verdict.sentence == (
        "Ready to approve: SASRec finds the shopper's next item in its top 10 for 22% of test "
        "shoppers, 7.5× as often as the best-seller list, and occlusion's reasons hold up for "
        "85% of 20 audited shoppers."
    )


def test_without_a_baseline_or_an_audit_approval_has_conditions() -> None:
    verdict = review_verdict("SASRec", {"HR@10": 0.28}, None, None)
    assert verdict.decision == CONDITIONS
    assert verdict.sentence.startswith("Approve only with conditions: SASRec finds")
    assert "its explanations were not audited" in verdict.sentence
    assert len(verdict.checks) == 2 and "train POP" in verdict.checks[0]


def test_a_model_no_better_than_the_list_is_rejected() -> None:
    verdict = review_verdict("GRU4Rec", {"HR@10": 0.03}, {"HR@10": 0.03}, _audit(occlusion=0.9))
    assert verdict.decision == REJECT
    assert "no more often than the best-seller list (3%)" in verdict.sentence
    assert verdict.checks == ("The model does not beat the best-seller list: it adds nothing yet.",)


def test_reasons_that_fail_the_deletion_check_block_approval() -> None:
    audit = _audit(occlusion=0.55, attention=math.nan)
    audit["ig"] = {"large_delta_share": 0.4}
    verdict = review_verdict("SASRec", {"HR@10": 0.2}, {"HR@10": 0.05}, audit)
    assert verdict.decision == REJECT
    assert "occlusion's reasons hold up for 55% of 20 audited shoppers" in verdict.sentence
    assert "No explanation method holds up for 70%" in verdict.checks[0]
    assert "Integrated Gradients' approximation is off for 40%" in verdict.checks[1]


def test_the_possessive_of_a_name_ending_in_s() -> None:
    verdict = review_verdict("SASRec", {"HR@10": 0.2}, {"HR@10": 0.1}, _audit(ig=0.9))
    assert "Integrated Gradients' reasons hold up for 90%" in verdict.sentence
    assert "2× as often" in verdict.sentence
