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

__all__ = ["MambaBlock", "SSMBody", "SSMState", "selective_scan", "ssm_state_values"]

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


def selective_scan(dA: torch.Tensor, dBx: torch.Tensor, C: torch.Tensor,
                   h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """h_t = dA_t ⊙ h_{t−1} + dBx_t, y_t = Σ_n C_t[n] h_t[..., n], sequentially over time.

    dA, dBx: [T, B, D, N] (time-major, contiguous); C: [B, T, N]; h: [B, D, N] before t = 0.
    Returns y [B, T, D] and the last state.  Everything but the recurrence is computed for all
    steps at once; the loop does one fused multiply-add per step.
    """
    states = []
    # unbind, not dA[t]: one backward node for all steps (indexing's backward would fill a
    # whole [T, ...] gradient per step, quadratic in T)
    for dA_t, dBx_t in zip(dA.unbind(0), dBx.unbind(0)):
        h = torch.addcmul(dBx_t, dA_t, h)
        states.append(h)
    hs = torch.stack(states, dim=1)  # [B, T, D, N]
    y = torch.einsum("btdn,btn->btd", hs, C)
    return y, h


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
            y, h = selective_scan(dA.contiguous(), dBx.contiguous(), C, h)
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
