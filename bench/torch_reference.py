#!/usr/bin/env python3
"""
PyTorch CPU reference for `npm run bench`: the lab's student (GPT-2 pre-norm transformer, learned
positions or RoPE as the config says, tied head, fused qkv, tanh GELU) doing the same train step
as bench/train.ts:
forward -> per-token log-probs and entropies -> loss = -mean(logp) -> backward -> global-norm clip
-> AdamW (decay on matrices only). Prints one JSON object on stdout.

  python3 bench/torch_reference.py --config '{"vocab":384,"dModel":64,"layers":2,"heads":4,
      "context":128,"mlpRatio":4}' --batch 20 --seq 128 --reps 3 --threads 2

Exits 3 with {"available": false, ...} when torch cannot be imported (Debian: apt-get install
python3-torch).
"""
import argparse
import json
import math
import os
import platform
import statistics
import sys
import time

try:
    import torch
    import torch.nn.functional as F
except Exception as e:  # noqa: BLE001 - any import failure means "no reference here"
    print(json.dumps({"available": False, "reason": f"import torch failed: {e}"}))
    sys.exit(3)


def rope_tables(T, hd, theta=10000.0):
    """cos/sin [T, hd] in the rotate_half layout (src/engine/model/rope.ts)."""
    inv = 1.0 / theta ** (torch.arange(0, hd, 2, dtype=torch.float32) / hd)
    angle = torch.arange(T, dtype=torch.float32)[:, None] * inv[None, :]
    full = torch.cat([angle, angle], dim=-1)
    return full.cos(), full.sin()


def apply_rope(x, cos, sin):
    """x * cos + rotate_half(x) * sin, rotate_half([x1, x2]) = [-x2, x1]; x [B, H, T, hd]."""
    x1, x2 = x.chunk(2, dim=-1)
    return x * cos + torch.cat([-x2, x1], dim=-1) * sin


class Block(torch.nn.Module):
    def __init__(self, d, heads, mlp):
        super().__init__()
        self.heads = heads
        self.ln1 = torch.nn.LayerNorm(d, eps=1e-5)
        self.qkv = torch.nn.Linear(d, 3 * d)
        self.proj = torch.nn.Linear(d, d)
        self.ln2 = torch.nn.LayerNorm(d, eps=1e-5)
        self.fc = torch.nn.Linear(d, mlp)
        self.out = torch.nn.Linear(mlp, d)

    def forward(self, x, bias, rope):
        B, T, d = x.shape
        H = self.heads
        hd = d // H
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (t.view(B, T, H, hd).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hd]
        if rope is not None:
            q, k = apply_rope(q, *rope), apply_rope(k, *rope)
        att = torch.softmax(q @ k.transpose(-2, -1) / math.sqrt(hd) + bias, dim=-1)  # [B, H, T, T]
        y = (att @ v).transpose(1, 2).reshape(B, T, d)
        x = x + self.proj(y)
        return x + self.out(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))


class Student(torch.nn.Module):
    """x = wte[tokens] + wpe[pos] (or RoPE on q, k); blocks; logits = LN_f(x) @ wte^T (tied head)."""

    def __init__(self, c):
        super().__init__()
        d = c["dModel"]
        self.rope = c.get("positions") == "rope"
        self.hd = d // c["heads"]
        self.wte = torch.nn.Parameter(torch.randn(c["vocab"], d) * 0.02)
        # with RoPE the lab keeps wpe in the checkpoint but neither uses nor trains it
        self.wpe = None if self.rope else torch.nn.Parameter(torch.randn(c["context"], d) * 0.01)
        self.blocks = torch.nn.ModuleList(
            Block(d, c["heads"], c["mlpRatio"] * d) for _ in range(c["layers"])
        )
        self.lnf = torch.nn.LayerNorm(d, eps=1e-5)

    def forward(self, tokens):
        T = tokens.shape[1]
        x = self.wte[tokens] if self.rope else self.wte[tokens] + self.wpe[:T]
        rope = rope_tables(T, self.hd) if self.rope else None
        bias = torch.full((T, T), -1e9).triu(1)
        for b in self.blocks:
            x = b(x, bias, rope)
        return self.lnf(x) @ self.wte.t()


def token_scores(model, tokens):
    """logp_t = log_softmax(z_t)[x_{t+1}], entropy_t = -sum_v p_v log p_v, both [B, T-1]."""
    lsm = F.log_softmax(model(tokens[:, :-1]), dim=-1)
    logp = lsm.gather(-1, tokens[:, 1:, None]).squeeze(-1)
    entropy = -(lsm.exp() * lsm).sum(-1)
    return logp, entropy


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--config", required=True, help="model config JSON (bench/presets.ts shape)")
    ap.add_argument("--batch", type=int, required=True)
    ap.add_argument("--seq", type=int, required=True)
    ap.add_argument("--reps", type=int, default=3, help="timed steps after one warm-up")
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    c = json.loads(a.config)
    torch.set_num_threads(a.threads)
    torch.manual_seed(1234)
    model = Student(c)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW(
        [{"params": matrices, "weight_decay": 0.01}, {"params": vectors, "weight_decay": 0.0}],
        lr=1e-3, betas=(0.9, 0.999), eps=1e-8,
    )
    gen = torch.Generator().manual_seed(7)

    def step():
        tokens = torch.randint(0, c["vocab"], (a.batch, a.seq), generator=gen)
        t0 = time.perf_counter()
        logp, entropy = token_scores(model, tokens)
        loss = -logp.mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        ms = (time.perf_counter() - t0) * 1000
        if not math.isfinite(value):
            raise RuntimeError(f"loss is {value}")
        return ms

    warm = step()
    runs = [step() for _ in range(a.reps)]
    med = statistics.median(runs)
    print(json.dumps({
        "available": True,
        "torch": torch.__version__,
        "python": platform.python_version(),
        "threads": torch.get_num_threads(),
        # the BLAS pool (OpenBLAS via libblas.so.3) is sized by its own variable (bench/torch.ts)
        "blas_threads": os.environ.get("OPENBLAS_NUM_THREADS"),
        "config": c,
        "batch": a.batch,
        "seq": a.seq,
        "params": sum(p.numel() for p in model.parameters()),
        "warmup_ms": round(warm, 1),
        "train_runs_ms": [round(x, 1) for x in runs],
        "train_step_ms": round(med, 1),
        "train_tokens_per_s": round(a.batch * a.seq / (med / 1000), 1),
    }))


if __name__ == "__main__":
    main()
