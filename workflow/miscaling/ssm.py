"""A selective state-space language model (Mamba-1 blocks), in pure PyTorch.

``tokens -> embedding (width) -> depth × [x + Mamba(RMSNorm(x))] -> RMSNorm -> linear``.  Each
block: in-projection to 2·d_inner (d_inner = expand·width), a causal depthwise conv1d + SiLU,
input-dependent Δ (softplus, rank ceil(width/16)), B and C, a diagonal A = −exp(A_log) (S4D-real
init, A = −1 … −d_state), the selective scan h_t = exp(Δ_t A) h_{t−1} + Δ_t B_t x_t,
y_t = C_t·h_t + D x_t, gated by SiLU(z), out-projection.  The state (per layer the conv buffer of
the last kernel−1 inputs and h) is carried by ``advance``/``step`` like an RNN's hidden state;
its size: :func:`ssm_state_values`.  Design: docs/METHODS.md §7.9; recipe: §7.4.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import nn

from miscaling.choices import state_values

__all__ = ["ChunkedScan", "MambaBlock", "SSMBody", "SSMState", "chunked_linear_scan",
           "scan_chunk", "selective_scan", "ssm_state_values"]

#: Mamba's Δ initialisation: Δ = exp(U(log DT_MIN, log DT_MAX)), at least DT_FLOOR.
DT_MIN, DT_MAX, DT_FLOOR = 1e-3, 1e-1, 1e-4
NORM_EPS = 1e-5  # mamba_ssm's RMSNorm

#: (conv buffers [depth, B, d_inner, kernel-1], scan states [depth, B, d_inner, d_state])
SSMState = tuple[torch.Tensor, torch.Tensor]


def dt_rank(width: int) -> int:
    """The rank of Δ's projection: ceil(width / 16), as in Mamba."""
    return math.ceil(width / 16)


def ssm_state_values(width: int, depth: int, state_size: int = 16, expand: int = 2,
                     conv_kernel: int = 4) -> int:
    """Numbers in the recurrent state: per layer d_inner·(d_state + kernel − 1), d_inner =
    expand·width (an LSTM's is 2·width·depth, a vanilla RNN's width·depth)."""
    return state_values("ssm", width, depth, state_size, expand, conv_kernel)


def scan_chunk(device: torch.device, length: int) -> int | None:
    """The chunk length of :func:`selective_scan` on ``device``: None (one step at a time) on
    the CPU, where the sequential scan is the fastest measured (benchmarks/bench_ssm.py
    ``--scans``: 1.6–3× the chunked scan and mambapy's parallel scan); about sqrt(length) on a
    GPU, where a step costs a kernel launch and the chunked scan needs about 2·sqrt(length) of
    them instead of length (docs/METHODS.md §7.9)."""
    if device.type == "cpu" or length < 16:
        return None
    return max(4, round(math.sqrt(length)))


def selective_scan(dA: torch.Tensor, dBx: torch.Tensor, C: torch.Tensor, h: torch.Tensor,
                   chunk: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """h_t = dA_t ⊙ h_{t−1} + dBx_t, y_t = Σ_n C_t[n] h_t[..., n].

    dA, dBx: [T, B, D, N] (time-major, contiguous); C: [B, T, N]; h: [B, D, N] before t = 0.
    Returns y [B, T, D] and the last state.  ``chunk`` None: one fused multiply-add per step;
    an integer: :class:`ChunkedScan` (the same recurrence, summed in another order: equal to
    rounding).
    """
    if chunk is not None:
        hs = ChunkedScan.apply(dA, dBx, h, chunk)  # [T, B, D, N]
        return torch.einsum("tbdn,btn->btd", hs, C), hs[-1]
    states = []
    # unbind, not dA[t]: one backward node for all steps (indexing's backward would fill a
    # whole [T, ...] gradient per step, quadratic in T)
    for dA_t, dBx_t in zip(dA.unbind(0), dBx.unbind(0)):
        h = torch.addcmul(dBx_t, dA_t, h)
        states.append(h)
    hs = torch.stack(states, dim=1)  # [B, T, D, N]
    y = torch.einsum("btdn,btn->btd", hs, C)
    return y, h


def chunked_linear_scan(a: torch.Tensor, b: torch.Tensor, h0: torch.Tensor,
                        chunk: int) -> torch.Tensor:
    """All states of h_t = a_t ⊙ h_{t−1} + b_t (over dim 0 of a, b; h0 before t = 0), in
    about chunk + T/chunk vectorised steps instead of T: (1) every chunk's scan from a zero
    state and its running product of a, all chunks at once; (2) the state entering each chunk,
    one step per chunk; (3) h = local + product ⊙ entering state.  Products of a never divide,
    so an underflowing product is exact (its contribution is below rounding)."""
    # one dtype for the carried values, as the step-by-step addcmul promotes (under bf16
    # autocast B̄u arrives in bf16, Ā and the state in fp32: the state stays fp32)
    dtype = torch.promote_types(torch.promote_types(a.dtype, b.dtype), h0.dtype)
    a, b, h0 = a.to(dtype), b.to(dtype), h0.to(dtype)
    length = a.shape[0]
    n = -(-length // chunk)
    pad = n * chunk - length
    if pad:  # a = 1, b = 0: the padded steps keep the state
        a = torch.cat([a, a.new_ones((pad,) + a.shape[1:])])
        b = torch.cat([b, b.new_zeros((pad,) + b.shape[1:])])
    a, b = (t.view((n, chunk) + t.shape[1:]) for t in (a, b))  # [n, chunk, ...]: views
    product, local = torch.empty_like(a), torch.empty_like(b)
    product[:, 0], local[:, 0] = a[:, 0], b[:, 0]
    for k in range(1, chunk):
        torch.mul(a[:, k], product[:, k - 1], out=product[:, k])
        torch.addcmul(b[:, k], a[:, k], local[:, k - 1], out=local[:, k])
    entering = torch.empty_like(b[:, 0])  # [n, ...]
    carry = h0
    for c in range(n):
        entering[c] = carry
        carry = torch.addcmul(local[c, -1], product[c, -1], carry)
    states = torch.addcmul(local, product, entering.unsqueeze(1))
    return states.view((n * chunk,) + states.shape[2:])[:length]


class ChunkedScan(torch.autograd.Function):
    """:func:`chunked_linear_scan` with its exact gradient: the adjoint G_t = g_t + a_{t+1} G_{t+1}
    is the same scan run backwards in time, then ∂a_t = G_t h_{t−1}, ∂b_t = G_t, ∂h0 = a_0 G_0.
    Saves a and the states (what the step-by-step scan's autograd keeps too)."""

    @staticmethod
    def forward(ctx, a, b, h0, chunk):
        states = chunked_linear_scan(a, b, h0, chunk)
        ctx.save_for_backward(a, states, h0)
        ctx.chunk, ctx.b_dtype = chunk, b.dtype
        return states

    @staticmethod
    def backward(ctx, grad):
        a, states, h0 = ctx.saved_tensors
        a_next = torch.cat([a[1:], a.new_zeros((1,) + a.shape[1:])])
        adjoint = chunked_linear_scan(a_next.flip(0), grad.flip(0), torch.zeros_like(h0),
                                      ctx.chunk).flip(0)
        previous = torch.cat([h0.unsqueeze(0), states[:-1]])
        grad_h0 = (a[0] * adjoint[0]).to(h0.dtype) if ctx.needs_input_grad[2] else None
        return ((adjoint * previous).to(a.dtype), adjoint.to(ctx.b_dtype), grad_h0, None)


class MambaBlock(nn.Module):
    """One Mamba-1 mixer: x [B, T, width] and a layer's state -> (y [B, T, width], state)."""

    def __init__(self, width: int, state_size: int, expand: int, conv_kernel: int):
        super().__init__()
        inner, rank = expand * width, dt_rank(width)
        self.inner, self.rank, self.state_size = inner, rank, state_size
        self.kernel = conv_kernel
        self.in_proj = nn.Linear(width, 2 * inner, bias=False)
        self.conv = nn.Conv1d(inner, inner, conv_kernel, groups=inner, bias=True)
        self.x_proj = nn.Linear(inner, rank + 2 * state_size, bias=False)
        self.dt_proj = nn.Linear(rank, inner, bias=True)
        # S4D-real: A = -(1 … N) for every channel
        a = torch.arange(1, state_size + 1, dtype=torch.float32).repeat(inner, 1)
        self.A_log = nn.Parameter(torch.log(a))
        self.D = nn.Parameter(torch.ones(inner))
        self.out_proj = nn.Linear(inner, width, bias=False)

    def reset_parameters(self, depth: int) -> None:
        """Mamba's initialisation (mamba_ssm.modules.mamba_simple, MixerModel)."""
        for linear in (self.in_proj, self.x_proj, self.out_proj):
            linear.reset_parameters()
        self.conv.reset_parameters()
        with torch.no_grad():
            # out_proj rescaled by 1/sqrt(depth) (one residual branch per layer), as GPT-2
            self.out_proj.weight.div_(math.sqrt(depth))
            bound = self.rank ** -0.5
            nn.init.uniform_(self.dt_proj.weight, -bound, bound)
            dt = torch.exp(torch.rand(self.inner) * (math.log(DT_MAX) - math.log(DT_MIN))
                           + math.log(DT_MIN)).clamp(min=DT_FLOOR)
            self.dt_proj.bias.copy_(dt + torch.log(-torch.expm1(-dt)))  # softplus⁻¹(dt)
            a = torch.arange(1, self.state_size + 1, dtype=self.A_log.dtype)
            self.A_log.copy_(torch.log(a).repeat(self.inner, 1))
            self.D.fill_(1.0)

    def forward(self, x: torch.Tensor, conv_state: torch.Tensor, h: torch.Tensor):
        """x [B, T, width]; conv_state [B, d_inner, kernel-1]; h [B, d_inner, d_state]."""
        length = x.shape[1]
        u, z = self.in_proj(x).chunk(2, dim=-1)  # [B, T, D] each
        padded = torch.cat([conv_state, u.transpose(1, 2)], dim=2)  # [B, D, kernel-1+T]
        conv_state = padded[:, :, padded.shape[2] - (self.kernel - 1):].contiguous()
        u = F.silu(self.conv(padded)).transpose(1, 2)  # [B, T, D]: causal, no padding
        dt, B, C = self.x_proj(u).split([self.rank, self.state_size, self.state_size], dim=-1)
        dt = F.softplus(self.dt_proj(dt))  # [B, T, D]
        A = -torch.exp(self.A_log)  # [D, N]
        dt_t = dt.transpose(0, 1).unsqueeze(-1)  # [T, B, D, 1]
        dA = torch.exp(dt_t * A)  # [T, B, D, N]
        dBx = (dt_t * u.transpose(0, 1).unsqueeze(-1)) * B.transpose(0, 1).unsqueeze(2)
        if length == 1:  # one step: no stack
            h = torch.addcmul(dBx[0], dA[0], h)
            y = torch.einsum("bdn,bn->bd", h, C[:, 0]).unsqueeze(1)
        else:
            y, h = selective_scan(dA.contiguous(), dBx.contiguous(), C, h,
                                  chunk=scan_chunk(x.device, length))
        y = (y + u * self.D) * F.silu(z)
        return self.out_proj(y), conv_state, h


class SSMBody(nn.Module):
    """``depth`` pre-norm residual Mamba blocks and a final RMSNorm, with the carried state."""

    def __init__(self, width: int, depth: int, state_size: int, expand: int, conv_kernel: int,
                 dropout: float):
        super().__init__()
        self.shape = (depth, expand * width, state_size, conv_kernel)
        self.residual_dropout = nn.Dropout(dropout)
        self.norms = nn.ModuleList(nn.RMSNorm(width, eps=NORM_EPS) for _ in range(depth))
        self.blocks = nn.ModuleList(MambaBlock(width, state_size, expand, conv_kernel)
                                    for _ in range(depth))
        self.final_norm = nn.RMSNorm(width, eps=NORM_EPS)
        for block in self.blocks:
            block.reset_parameters(depth)

    def init_state(self, batch_size: int, device, dtype) -> SSMState:
        """Zero conv buffers [depth, B, d_inner, kernel-1] and scan states [depth, B, d_inner,
        d_state]: a stack over layers, so stateful training detaches and stores it as a pair."""
        depth, inner, state_size, kernel = self.shape
        conv = torch.zeros((depth, batch_size, inner, kernel - 1), device=device, dtype=dtype)
        h = torch.zeros((depth, batch_size, inner, state_size), device=device, dtype=dtype)
        return conv, h

    def forward(self, x: torch.Tensor, state: SSMState | None) -> tuple[torch.Tensor, SSMState]:
        """x [B, T, width] after ``state`` (None: zero) -> (normalised output, new state)."""
        if state is None:
            state = self.init_state(x.shape[0], x.device, x.dtype)
        conv_states, scan_states = [], []
        for layer, (norm, block) in enumerate(zip(self.norms, self.blocks)):
            y, conv, h = block(norm(x), state[0][layer], state[1][layer])
            x = x + self.residual_dropout(y)
            conv_states.append(conv)
            scan_states.append(h)
        return self.final_norm(x), (torch.stack(conv_states), torch.stack(scan_states))
