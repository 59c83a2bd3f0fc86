"""Tests of npi_lib.model: the NPI's pieces, their shapes, and that one step and a whole frame agree."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from npi_lib.addition import TASK, reference
from npi_lib.checkpoint import shipped_checkpoint
from npi_lib.model import NPI, NPIConfig, parameter_count
from npi_lib.trace import frames

SMALL = NPIConfig(state_size=8, encoder_hidden=12, program_size=6, key_size=5, fusion_size=10, hidden_size=7)


def expected_parameters(obs_sizes, arg_sizes, n_programs, c: NPIConfig) -> int:
    """An independent count, layer by layer, from the papers' list of components."""
    w = sum(obs_sizes) + sum(arg_sizes)
    f_enc = (w * c.encoder_hidden + c.encoder_hidden) + (c.encoder_hidden * c.state_size + c.state_size)
    memory = n_programs * c.program_size + n_programs * c.key_size  # M_prog, M_key
    fuse = (c.state_size + c.program_size) * c.fusion_size + c.fusion_size
    h = c.hidden_size
    lstm = 4 * h * (c.fusion_size + h) + 8 * h  # first layer: input and recurrent weights, two biases
    lstm += (c.lstm_layers - 1) * (4 * h * (h + h) + 8 * h)
    decoders = (h + 1) + (h * c.key_size + c.key_size) + sum(h * a + a for a in arg_sizes)
    return f_enc + memory + fuse + lstm + decoders


def test_parameter_count_matches_the_components_of_the_paper():
    model = NPI.for_task(TASK, SMALL)
    assert parameter_count(model) == expected_parameters(TASK.obs_sizes, TASK.arg_sizes, len(TASK.programs), SMALL)


def test_default_model_is_small():
    assert 50_000 < parameter_count(NPI.for_task(TASK)) < 200_000  # a few hundred KB as float32


@settings(max_examples=25)
@given(
    obs_sizes=st.lists(st.integers(1, 12), min_size=1, max_size=5),
    arg_sizes=st.tuples(st.integers(1, 10), st.integers(1, 10), st.integers(1, 10)),
    n_programs=st.integers(1, 12),
    batch=st.integers(1, 4),
)
def test_step_shapes_follow_the_task_sizes(obs_sizes, arg_sizes, n_programs, batch):
    model = NPI(obs_sizes, arg_sizes, n_programs, SMALL)
    obs = torch.stack([torch.randint(0, n, (batch,)) for n in obs_sizes], dim=1)
    args = torch.stack([torch.randint(0, n, (batch,)) for n in arg_sizes], dim=1)
    prog = torch.randint(0, n_programs, (batch,))
    out, (h, c) = model.step(obs, args, prog)
    assert out.end_logit.shape == (batch,)
    assert out.prog_logits.shape == (batch, n_programs)
    assert [a.shape for a in out.arg_logits] == [(batch, n) for n in arg_sizes]
    assert h.shape == c.shape == (SMALL.lstm_layers, batch, SMALL.hidden_size)
    assert parameter_count(model) == expected_parameters(obs_sizes, arg_sizes, n_programs, SMALL)


def test_one_hot_codes_every_field_and_slot_once():
    model = NPI.for_task(TASK, SMALL)
    code = model.one_hot(torch.tensor([[6, 5, 10, 3]]), torch.tensor([[3, 9, 0]]))
    assert code.shape == (1, sum(TASK.obs_sizes) + sum(TASK.arg_sizes))
    hot = code[0].nonzero().flatten().tolist()
    # offsets: in1 0..10, in2 11..21, carry 22..32, out 33..43, arg0 44..47, arg1 48..57, arg2 58
    assert hot == [6, 11 + 5, 22 + 10, 33 + 3, 44 + 3, 48 + 9, 58]


def test_program_logits_are_dot_products_with_the_key_memory():
    model = NPI.for_task(TASK, SMALL)
    h = torch.randn(3, SMALL.hidden_size)
    out = model.decode(h)
    key = model.f_prog(h)
    assert torch.allclose(out.prog_logits, torch.stack([model.M_key @ k for k in key]))


def test_a_frame_at_once_equals_its_steps_one_by_one():
    torch.manual_seed(0)
    model = NPI.for_task(TASK, SMALL)
    obs = torch.tensor([[[6, 5, 10, 10], [6, 5, 10, 1], [9, 2, 10, 10]]])
    args = torch.zeros(1, 3, 3, dtype=torch.long)
    prog = torch.full((1, 3), TASK.program_id("ADD"))
    whole = model(obs, args, prog)
    state = None
    for t in range(3):
        out, state = model.step(obs[:, t], args[:, t], prog[:, t], state)
        assert torch.allclose(out.end_logit, whole.end_logit[:, t], atol=1e-6)
        assert torch.allclose(out.prog_logits, whole.prog_logits[:, t], atol=1e-6)
        for a, b in zip(out.arg_logits, whole.arg_logits):
            assert torch.allclose(a, b[:, t], atol=1e-6)


def test_a_fresh_frame_starts_from_the_zero_state():
    model = NPI.for_task(TASK, SMALL)
    inputs = model.inputs([(1, 2, 10, 10)], [(0, 0, 0)], [1])
    fresh, _ = model.step(*inputs)
    zero, _ = model.step(*inputs, model.zero_state(1))
    assert torch.equal(fresh.prog_logits, zero.prog_logits)


def test_the_lstm_input_starts_at_unit_scale():
    torch.manual_seed(0)
    model = NPI.for_task(TASK)
    obs = torch.stack([torch.randint(0, 11, (500,)) for _ in range(4)], dim=1)
    args = torch.zeros(500, 3, dtype=torch.long)
    x = model.core_input(obs, args, torch.randint(0, len(TASK.programs), (500,)))
    assert 0.2 < x.std().item() < 3  # PyTorch's default initialization gives about 0.01 here


def test_config_round_trips_through_a_plain_dict():
    c = NPIConfig(hidden_size=32, lr=0.01)
    assert NPIConfig.from_dict(c.to_dict()) == c
    assert NPIConfig.from_dict({"hidden_size": 32, "unknown": 1}) == NPIConfig(hidden_size=32)


# ---------------------------------------------------------------------------------------------- the fast step
@pytest.mark.parametrize("formulation", ["recursive", "non-recursive"])
def test_the_fast_step_computes_what_the_batched_forward_computes(formulation):
    """Training's loss uses `NPI.forward`, execution the `FastStep`: the same numbers up to rounding."""
    model = shipped_checkpoint("addition", formulation).model
    step = model.fast_step()
    for frame in (f for p in [(96, 125), (5, 999), (70, 30)] for f in frames(reference(p, formulation)) if f.steps):
        prog = TASK.program_id(frame.program)
        obs = torch.tensor([[s.obs for s in frame.steps]])
        args = torch.tensor([[frame.args] * len(frame.steps)])
        with torch.no_grad():
            whole = model(obs, args, torch.full(obs.shape[:2], prog))
        state = None
        for t, s in enumerate(frame.steps):
            out, state = step.outputs(s.obs, frame.args, prog, state)
            fast = step.split(out)
            assert torch.allclose(fast.end_logit, whole.end_logit[:, t], atol=1e-5)
            assert torch.allclose(fast.prog_logits, whole.prog_logits[:, t], atol=1e-5)
            for a, b in zip(fast.arg_logits, whole.arg_logits):
                assert torch.allclose(a, b[:, t], atol=1e-5)


def test_the_fast_step_decides_by_argmax_and_a_positive_end_logit():
    torch.manual_seed(0)
    step = NPI.for_task(TASK, SMALL).fast_step()
    out, _ = step.outputs((1, 2, 10, 10), (0, 0, 0), 1, None)
    split = step.split(out)
    ret, prog, args = step.decide(out)
    assert ret == bool(split.end_logit[0] > 0)
    assert prog == int(split.prog_logits[0].argmax())
    assert list(args) == [int(a[0].argmax()) for a in split.arg_logits]
    assert step((1, 2, 10, 10), (0, 0, 0), 1, None)[0] == step.step((1, 2, 10, 10), (0, 0, 0), 1, None)[0] == (ret, prog, args)


def test_the_fast_step_caches_the_lstm_input_per_distinct_input():
    model = NPI.for_task(TASK, SMALL)
    step = model.fast_step()
    x = step.core_input((1, 2, 10, 10), (3, 4, 0), 2)
    assert step.core_input((1, 2, 10, 10), (3, 4, 0), 2) is x
    with torch.no_grad():
        batched = model.core_input(torch.tensor([[1, 2, 10, 10]]), torch.tensor([[3, 4, 0]]), torch.tensor([2]))
    assert torch.allclose(x, batched, atol=1e-6)


def test_the_fast_step_copies_the_weights_when_it_is_made():
    model = NPI.for_task(TASK, SMALL)
    step = model.fast_step()
    before = step((1, 2, 10, 10), (0, 0, 0), 1, None)[0]
    with torch.no_grad():
        model.f_end.bias += 1000.0
    assert step((1, 2, 10, 10), (0, 0, 0), 1, None)[0] == before
    assert model.fast_step()((1, 2, 10, 10), (0, 0, 0), 1, None)[0][0] is True


@pytest.mark.parametrize(
    "obs, args, prog, message",
    [
        ((1, 2, 10, 10), (0, 0, 0), 99, "program id 99"),
        ((1, 2, 10), (0, 0, 0), 1, "has 3 fields"),
        ((1, 2, 10, 11), (0, 0, 0), 1, "observation field 3 is 11"),
        ((1, 2, 10, -1), (0, 0, 0), 1, "observation field 3 is -1"),
        ((1, 2, 10, 10), (4, 0, 0), 1, "argument slot 0 is 4"),
        ((1, 2, 10, 10), (0, 0), 1, "have 2 slots"),
    ],
)
def test_the_fast_step_refuses_inputs_the_model_was_not_built_for(obs, args, prog, message):
    step = NPI.for_task(TASK, SMALL).fast_step()
    with pytest.raises(ValueError, match=message):
        step(obs, args, prog, None)


def test_the_return_probability_is_the_sigmoid_of_the_end_logit():
    model = NPI.for_task(TASK, NPIConfig(hidden_size=8))
    out = model.decode(torch.randn(3, 8, generator=torch.Generator().manual_seed(0)))
    assert out.return_probability.shape == (3,)
    assert torch.allclose(out.return_probability, 1 / (1 + torch.exp(-out.end_logit)))
    assert ((out.return_probability > 0.5) == (out.end_logit > 0)).all()
