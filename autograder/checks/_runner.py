"""One case runner for the checks, and the declarative checks of the recurrent cells and sequences.

``run_cases`` runs every case, collects each failing case's message and raises one short
summary: the first failure in full, the others a line each, the hint last. The recurrent checks
(``recurrent_check``) are data: which reference function gives the answer, which arguments the
student's function receives, which outputs it returns; the mistakes they name come from
``_catalogue`` as perturbations of the reference, computed by ``reference.mistaken_outputs``.

Partial credit is decided here too (``partial_score``). A check whose cases come in variants
(the GRU's reset_after × z_convention) passes ``variant_of`` to ``run_cases``: a variant is right
when every case of it passes, and the grader, which records each call's variants
(``recording_variants``), gives a grade cell the share of its points that its right variants
earn, over all the cell's calls. Checks without variants stay all-or-nothing: a case-by-case
share would pay for a constant answer that happens to fit a zero-weights case.
"""

import contextlib
import contextvars
import math
import re
from fractions import Fraction

import numpy as np

from .. import mistakes as m
from ..conventions import GATES
from ..reference import (
    gru_cell_forward,
    gru_forward,
    lstm_cell_forward,
    lstm_forward,
    mistaken_outputs,
    rnn_cell_forward,
    rnn_forward,
)
from ._cases import gated_sequence_cases, rnn_sequence_cases
from ._catalogue import mistake_pairs, single_mistakes
from ._report import (
    CheckFailure,
    as_checked_array,
    call_student,
    describe_case,
    hint_line,
    layout_hint,
    mismatch_lines,
    passed,
    rel_error,
    tolerances_for,
    unpack_outputs,
)

# --- partial credit --------------------------------------------------------------------------

SCORE_STEP = Fraction(1, 2)  # partial scores are rounded down to half points
_VARIANT_LINE = re.compile(r"^  right for (\d+) of (\d+) variants", re.M)
_RECORD = contextvars.ContextVar("variant_record", default=None)


def partial_score(points, right, total):
    """A grade cell's score when ``right`` of its ``total`` variants are right.

    ``points`` times the share, rounded down to ``SCORE_STEP``: 0 when nothing is right, the full
    points only when everything is.
    """
    if total <= 0 or right <= 0:
        return 0.0
    if right >= total:
        return float(points)
    share = Fraction(points).limit_denominator(1000) * right / total
    return float(math.floor(share / SCORE_STEP) * SCORE_STEP)


def variants_line(results):
    """The line "  right for 1 of 4 variants (reset_after=False, z_convention='keep')".

    ``results`` maps each variant to whether the function was right for it.
    """
    right = [variant for variant, ok in results.items() if ok]
    names = "; ".join(", ".join(f"{k}={v!r}" for k, v in variant) for variant in right)
    return f"  right for {len(right)} of {len(results)} variants" + (f" ({names})" if names else "")


def variants_in(message):
    """(right, total) from a failure message's variants line, or None (the self-check reads it)."""
    found = _VARIANT_LINE.search(message)
    return (int(found.group(1)), int(found.group(2))) if found else None


@contextlib.contextmanager
def recording_variants():
    """Collect {variant: right} from every ``run_cases`` with variants inside the block.

    A variant is right only if it is right in every call that meets it (visible and hidden).
    """
    record = {}
    token = _RECORD.set(record)
    try:
        yield record
    finally:
        _RECORD.reset(token)


def _variant_results(cases, failures, variant_of):
    failed = {index for index, _ in failures}
    results = {}
    for index, case in enumerate(cases, 1):
        variant = variant_of(case)
        if variant is not None:
            results[variant] = results.get(variant, True) and index not in failed
    record = _RECORD.get()
    if record is not None:
        for variant, ok in results.items():
            record[variant] = record.get(variant, True) and ok
    return results


# --- the runner ----------------------------------------------------------------------------------


def run_cases(func_name, cases, run_one, variant_of=None):
    """Run ``run_one(index, case)`` on every case; raise one summary of all failures, or print the
    pass.

    ``variant_of(case)`` names a case's variant as a tuple of (option, value) pairs, for a check
    whose cases come in variants: the summary then says which variants are right, and the
    grader can give partial credit. A case that cannot tell the variants apart names None: it
    neither earns nor costs a variant (it still fails the check). Returns the number of cases
    (all passed).
    """
    failures, explained = [], []
    for index, case in enumerate(cases, 1):
        try:
            run_one(index, case)
        except CheckFailure as failure:
            failures.append((index, str(failure)))
            explained.append(getattr(failure, "explanations", None))
    results = _variant_results(cases, failures, variant_of) if variant_of else None
    if not failures:
        passed(func_name, len(cases))
        return len(cases)
    agreed = consensus(explained)
    lead = max(
        range(len(failures)),
        key=lambda k: (_covers(explained[k], agreed), _specificity(failures[k][1]), -k),
    )
    failures.insert(0, failures.pop(lead))
    explained.insert(0, explained.pop(lead))
    message = summary(func_name, failures, len(cases), explained)
    if agreed:
        message = "\n".join(
            [line for line in message.splitlines() if not line.startswith("  hint:")]
            + [hint_line([a if len(a) > 1 else a[0] for a in agreed])]
        )
    if results and any(results.values()):  # which variants are right, when some are
        lines = message.splitlines()
        at = next((k for k, line in enumerate(lines) if line.startswith("  hint:")), len(lines))
        message = "\n".join(lines[:at] + [variants_line(results)] + lines[at:])
    raise CheckFailure(message)


def consensus(explained):
    """The fewest mistakes (at most two) that explain every failing case, or None.

    ``explained`` holds, per failing case, the explanations that fit it (tuples of one or two
    Mistakes), or None when the case failed otherwise. A mistake can be invisible on a case
    (the z convention of d2l's GRU on a case that asks for its own), so an explanation of a case
    need only be part of the answer. Several equally small answers are all returned.
    """
    if not explained or any(not options for options in explained):
        return None
    candidates = {frozenset(e) for options in explained for e in options}
    candidates |= {
        a | b
        for options_a in explained
        for options_b in explained
        for a in map(frozenset, options_a)
        for b in map(frozenset, options_b)
        if len(a | b) <= 2
    }
    fitting = [
        c for c in candidates if all(any(set(e) <= c for e in options) for options in explained)
    ]
    if not fitting:
        return None
    smallest = min(len(c) for c in fitting)
    order = [mistake for options in explained for e in options for mistake in e]
    return [
        tuple(sorted(c, key=order.index))
        for c in sorted(fitting, key=lambda c: sorted(map(order.index, c)))
        if len(c) == smallest
    ]


def _covers(options, agreed):
    return bool(options and agreed and any(set(e) == set(a) for e in options for a in agreed))


def _specificity(message):
    """How much a failure's hint says: two mistakes named > one > several candidates > none.

    The summary leads with the most specific case: a mistake can hide on a small case (W_h.T
    equals W_h when units = 1) and show on a larger one.
    """
    hints = _split(message)[1]
    if not hints:
        return 0
    if "looks like two mistakes together" in hints[0]:
        return 4
    if "this looks like" in hints[0]:
        return 3
    return 2 if "could be any of" in hints[0] else 1


def _split(message):
    lines = message.splitlines()
    hints = [line for line in lines if line.startswith("  hint:")]
    return [line for line in lines if not line.startswith("  hint:")], hints


def _headline(func_name, line):
    """("output is wrong", "case 2 of 3") from "func: output is wrong (case 2 of 3: sizes)"."""
    text = line[len(func_name) + 2 :] if line.startswith(func_name + ": ") else line
    if text.endswith(")") and " (case " in text:
        what, case = text[:-1].rsplit(" (case ", 1)
        return what, "case " + case.split(":")[0]
    return text, ""


def summary(func_name, failures, total, explained=None):
    """The first failure in full, one line for the other failing cases, then the first failure's
    hint.
    """
    (_, first), others = failures[0], failures[1:]
    explained = explained or [None] * len(failures)
    body, hints = _split(first)
    what, _ = _headline(func_name, body[0])
    same, different = [], []
    for (_, message), options in zip(others, explained[1:]):
        other_body, other_hints = _split(message)
        other_what, other_case = _headline(func_name, other_body[0])
        if other_what == what and other_hints == hints:
            same.append(other_case.split(" of ")[0].replace("case ", ""))
        else:
            named = (
                " or ".join(" and ".join(f"'{mistake.name}'" for mistake in e) for e in options[:3])
                if options
                else ""
            )
            if other_hints and other_hints == hints:
                named = "the same cause"
            different.append(f"{other_case}: {other_what}" + (f" ({named})" if named else ""))
    lines = list(body)
    if same:
        lines.append(
            f"  also the same on case{'s' if len(same) > 1 else ''} {', '.join(same)} of {total}"
        )
    lines += [f"  also {line}" for line in different]
    if len(failures) < total:
        lines.append(f"  {total - len(failures)} of {total} cases pass")
    return "\n".join(lines + hints)


# --- the recurrent cells and sequences (ps01, ps03, ps04) -----------------------------------------

_REFERENCE = {
    ("rnn", "cell"): rnn_cell_forward,
    ("rnn", "sequence"): rnn_forward,
    ("lstm", "cell"): lstm_cell_forward,
    ("lstm", "sequence"): lstm_forward,
    ("gru", "cell"): gru_cell_forward,
    ("gru", "sequence"): gru_forward,
}
_OUTPUTS = {
    ("rnn", "cell"): ("h_next",),
    ("rnn", "sequence"): ("h_all", "h_last"),
    ("lstm", "cell"): ("h_next", "c_next", "gates"),
    ("lstm", "sequence"): ("h_all", "h_last", "c_last"),
    ("gru", "cell"): ("h_next", "gates"),
    ("gru", "sequence"): ("h_all", "h_last"),
}


def recurrent_cases(kind, hidden):
    """Every case as (sizes, x, initial_state, params, options), whatever the cell."""
    if kind == "rnn":
        return [
            (sizes, x, (h0,), (W_x, W_h, b), {})
            for sizes, x, h0, W_x, W_h, b in rnn_sequence_cases(hidden)
        ]
    return gated_sequence_cases(kind, hidden)


def _named(kind, level, value):
    """The reference's (or the student's validated) return value as {output name: array}."""
    names = _OUTPUTS[kind, level]
    value = value if isinstance(value, tuple) else (value,)
    named = {}
    for name, part in zip(names, value):
        if name == "gates":
            named.update({f"gates[{g!r}]": v for g, v in part.items()})
        else:
            named[name] = part
    return named


def _comparison_order(kind, level):
    if level == "cell":
        gates = [f"gates[{g!r}]" for g in GATES.get(kind, ())]
        return gates + (["c_next"] if kind == "lstm" else []) + ["h_next"]
    return list(_OUTPUTS[kind, level])


def _validated(func_name, kind, level, value, expected, case):
    """The student's outputs as {name: array}, each checked for type and shape (naming a layout)."""
    names = _OUTPUTS[kind, level]
    parts = unpack_outputs(func_name, value, names, case)
    got = {}
    for name, part in zip(names, parts):
        if name == "gates":
            got.update(_validated_gates(func_name, kind, part, expected, case))
            continue
        got[name] = _checked(func_name, name, part, expected[name], case)
    return got


def _validated_gates(func_name, kind, gates, expected, case):
    keys = GATES[kind]
    if not isinstance(gates, dict):
        raise CheckFailure(
            f"{func_name}: gates should be a dict with keys {sorted(keys)}, "
            f"got {type(gates).__name__} ({case})"
        )
    missing = [key for key in keys if key not in gates]
    if missing:
        raise CheckFailure(
            f"{func_name}: gates lacks the key(s) {missing}; expected exactly "
            f"{list(keys)}, got {list(gates)} ({case})"
        )
    return {
        f"gates[{k!r}]": _checked(
            func_name, f"gates[{k!r}]", gates[k], expected[f"gates[{k!r}]"], case
        )
        for k in keys
    }


def _checked(func_name, name, value, expected, case):
    try:
        return as_checked_array(func_name, name, value, expected.shape, case)
    except CheckFailure as failure:
        if isinstance(value, np.ndarray) and np.issubdtype(value.dtype, np.number):
            hint = layout_hint(name, expected, value)
            if hint:
                first = str(failure).splitlines()[0]
                raise CheckFailure(f"{first}\n{hint}") from None
        raise


def _matches(kind, level, x, state, params, options, expected, got, wrong):
    """The single mistakes, or else pairs of mistakes, whose outputs equal the student's wrong
    ones.
    """
    singles = single_mistakes(kind, level, options)
    pairs = mistake_pairs(singles)
    steps = x[:, :1] if level == "cell" else x
    outputs = mistaken_outputs(
        kind,
        steps,
        state,
        params,
        options,
        [edits for _, edits, _ in singles] + [edits for _, edits in pairs],
    )
    candidates = [mistake for mistake, _, _ in singles]
    if level == "sequence":
        candidates.append(m.LAST_STATE_FROM_FIRST_STEP)
        outputs = (
            outputs[: len(singles)]
            + [{**expected, "h_last": expected["h_all"][:, 0]}]
            + outputs[len(singles) :]
        )
    candidates += [pair for pair, _ in pairs]

    def fits(result):
        if result is None:
            return False
        for name in wrong:
            tolerance, floor = tolerances_for(got[name])
            if (
                name not in result
                or result[name].shape != got[name].shape
                or not np.all(rel_error(result[name], got[name], floor) <= tolerance)
            ):
                return False
        return True

    found = [mistake for mistake, result in zip(candidates, outputs) if fits(result)]
    single = [mistake for mistake in found if not isinstance(mistake, tuple)]
    return single or found


def recurrent_check(kind, level, func_name, student, hidden):
    """Check a student's cell step (``level="cell"``) or sequence function against the reference.

    The cell cases are the first step of each sequence case, from a non-zero state.
    """
    cases = recurrent_cases(kind, hidden)
    reference = _REFERENCE[kind, level]
    order = _comparison_order(kind, level)

    def run_one(index, spec):
        sizes, x, state, params, options = spec
        if level == "cell":
            sizes = {k: v for k, v in sizes.items() if k != "time"}
        case = describe_case(index, len(cases), sizes)
        inputs = x[:, 0] if level == "cell" else x
        args = (inputs,) + tuple(state) + tuple(params)
        expected = _named(kind, level, reference(*args, **options))
        value = call_student(
            func_name, student, tuple(a.copy() for a in args), case, kwargs=options
        )
        got = _validated(func_name, kind, level, value, expected, case)
        wrong = []
        for name in order:
            tolerance, floor = tolerances_for(got[name])
            errors = rel_error(expected[name], got[name], floor)
            if errors.size and errors.max() > tolerance:
                wrong.append((name, errors, tolerance))
        if not wrong:
            return
        name, errors, tolerance = wrong[0]
        worst = np.unravel_index(np.argmax(errors), errors.shape)
        matches = _matches(
            kind, level, x, state, params, options, expected, got, [w[0] for w in wrong]
        )
        lines = mismatch_lines(
            func_name, name, expected[name], got[name], case, errors, worst, tolerance, matches[:3]
        )
        if len(wrong) > 1:
            lines.insert(2, f"  also wrong: {', '.join(w[0] for w in wrong[1:])}")
        failure = CheckFailure("\n".join(lines))
        if not lines[-1].startswith("  hint: these are the right numbers"):  # a layout says it all
            failure.explanations = [
                match if isinstance(match, tuple) else (match,) for match in matches
            ]
        raise failure

    def variant_of(spec):  # zero weights give h_prev / 2 in every variant: such a case earns none
        return tuple(sorted(spec[4].items())) if any(np.any(p) for p in spec[3]) else None

    return run_cases(func_name, cases, run_one, variant_of if kind == "gru" else None)
