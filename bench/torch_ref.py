#!/usr/bin/env python3
"""PyTorch reference for `dolab bench train`: the same GPT, loss and optimiser, timed in PyTorch.

The model is built to match src/nn/gpt.h exactly: token + learned position embeddings; L
pre-LayerNorm blocks of causal multi-head self-attention (qkv linear with bias, output
projection with bias) and a GELU (tanh approximation) MLP of width 4C with biases, each added
to the residual stream; a final LayerNorm; logits = lnf(x) @ wte^T (tied, no separate head).
Init: N(0, 0.02) for matrices and embeddings, N(0, 0.02/sqrt(2L)) for the two residual
projections, zero biases, LayerNorm gains 1, LayerNorm eps 1e-5.  float32 throughout.

Loss: cross-entropy at every position weighted by w (B, T): sum(w * ce) / sum(w), with
`--weighted` positions per sequence at weight 1 (placed as dolab's benchmark places them:
t = T-1 - k*(T // weighted)) and the rest 0.  This script computes the full (B, T, V) logits
like a normal PyTorch model would: that is the honest reference.  dolab itself skips the zero
weight positions (its final LayerNorm and vocabulary product run only where w != 0), which is
part of why it can be faster.

Optimiser: AdamW(lr 3e-3, betas (0.9, 0.98), eps 1e-8, weight_decay 0.01) -- dolab's training
defaults -- with decay on 2-D tensors only (embeddings included; not biases or LayerNorm), as
dolab does, and global gradient-norm clipping at 1.0.  The hyper-parameters do not change the
speed; they are here so the step does the same work.

Threads: torch.set_num_threads(n) for each count in --threads, and OpenBLAS (which Debian's
torch multiplies with, and which torch does not size) set to n threads too, so "1 thread" means
one.  Inter-op threads: 1.

One timed step = zero_grad + forward + loss + backward + clip + AdamW step, like dolab's
gpt_zero_grad + gpt_backward + gpt_update.  Tokens/s counts B*T tokens per step, as dolab does.

    python3 bench/torch_ref.py [--steps N] [--warmup N] [--batch B] [--layers L] [--dim C]
                               [--heads H] [--threads 1 2] [--json]
                               [--dolab-tokens-per-s [THREADS:]X ...]

`make bench-torch` runs `./dolab bench train` and then this script with
--dolab-tokens-per-s 1:X 2:Y, which adds the dolab/torch ratios to the report.
"""

import argparse
import ctypes
import json
import math
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
except ImportError as exc:  # pragma: no cover - depends on the machine
    print(f"bench/torch_ref.py: PyTorch is not importable ({exc}).\n"
          f"Install it for this interpreter ({sys.executable}), e.g. `apt-get install "
          "python3-torch` on Debian, which serves /usr/bin/python3 (`make bench-torch` does that "
          "and picks that interpreter).", file=sys.stderr)
    sys.exit(1)


def dolab_param_count(V, T, L, C):
    """The parameter count from GPT_PARAM_TABLE in src/nn/gpt.h."""
    per_layer = (C + C            # ln1w, ln1b
                 + 3 * C * C + 3 * C  # qkvw, qkvb
                 + C * C + C      # attprojw, attprojb
                 + C + C          # ln2w, ln2b
                 + 4 * C * C + 4 * C  # fcw, fcb
                 + C * 4 * C + C)  # fcprojw, fcprojb
    return V * C + T * C + L * per_layer + C + C  # wte, wpe, layers, lnfw, lnfb


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln1 = nn.LayerNorm(C, eps=1e-5)
        self.qkv = nn.Linear(C, 3 * C, bias=True)
        self.attproj = nn.Linear(C, C, bias=True)
        self.ln2 = nn.LayerNorm(C, eps=1e-5)
        self.fc = nn.Linear(C, 4 * C, bias=True)
        self.fcproj = nn.Linear(4 * C, C, bias=True)

    def attention(self, x):
        B, T, C = x.shape
        H = self.H
        q, k, v = self.qkv(x).split(C, dim=2)
        q = q.view(B, T, H, C // H).transpose(1, 2)
        k = k.view(B, T, H, C // H).transpose(1, 2)
        v = v.view(B, T, H, C // H).transpose(1, 2)
        if hasattr(F, "scaled_dot_product_attention"):  # PyTorch >= 2.0
            y = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        else:
            att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(C // H))
            mask = torch.ones(T, T, dtype=torch.bool, device=x.device).triu(1)
            att = att.masked_fill(mask, float("-inf")).softmax(dim=-1)
            y = att @ v
        y = y.transpose(1, 2).contiguous().view(B, T, C)
        return self.attproj(y)

    def forward(self, x):
        x = x + self.attention(self.ln1(x))
        x = x + self.fcproj(F.gelu(self.fc(self.ln2(x)), approximate="tanh"))
        return x


class GPT(nn.Module):
    def __init__(self, V, T, L, C, H):
        super().__init__()
        self.wte = nn.Embedding(V, C)
        self.wpe = nn.Embedding(T, C)
        self.blocks = nn.ModuleList([Block(C, H) for _ in range(L)])
        self.lnf = nn.LayerNorm(C, eps=1e-5)
        std, res_std = 0.02, 0.02 / math.sqrt(2 * L)
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("attproj.weight") or name.endswith("fcproj.weight"):
                    p.normal_(0.0, res_std)
                elif p.dim() == 2:
                    p.normal_(0.0, std)
                elif name.startswith("blocks.") and (".ln1." in name or ".ln2." in name) \
                        or name.startswith("lnf."):
                    p.fill_(1.0 if name.endswith("weight") else 0.0)
                else:  # linear biases
                    p.zero_()

    def forward(self, idx):
        B, T = idx.shape
        pos = torch.arange(T, device=idx.device)
        x = self.wte(idx) + self.wpe(pos)
        for blk in self.blocks:
            x = blk(x)
        return self.lnf(x) @ self.wte.weight.t()  # logits (B, T, V), tied to wte


def weighted_loss(logits, targets, w):
    V = logits.size(-1)
    ce = F.cross_entropy(logits.view(-1, V), targets.view(-1), reduction="none")
    w = w.view(-1)
    return (w * ce).sum() / w.sum()


def make_optimizer(model):
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    groups = [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}]
    return torch.optim.AdamW(groups, lr=3e-3, betas=(0.9, 0.98), eps=1e-8)


def openblas():
    """Debian's torch does its matrix products in OpenBLAS, whose own thread pool
    torch.set_num_threads does not size (it sizes OpenMP, and MKL when torch has it): the handle
    of the loaded OpenBLAS, to size it too, or None when there is none."""
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if "openblas" in line and ".so" in line}
    except OSError:
        return None
    for path in sorted(libs):
        try:
            lib = ctypes.CDLL(path)
            lib.openblas_set_num_threads.argtypes = [ctypes.c_int]
            return lib
        except (OSError, AttributeError):
            continue
    return None


def set_threads(threads):
    """`threads` threads for everything: torch's intra-op pool and the BLAS."""
    torch.set_num_threads(threads)
    blas = openblas()
    if blas is not None:
        blas.openblas_set_num_threads(threads)


def bench(args, threads):
    set_threads(threads)
    torch.manual_seed(1)
    V, T, B = args.vocab, args.seq, args.batch
    model = GPT(V, args.context, args.layers, args.dim, args.heads)
    model.train()
    opt = make_optimizer(model)
    g = torch.Generator().manual_seed(7)
    tokens = torch.randint(0, V, (B, T), generator=g)
    targets = torch.randint(0, V, (B, T), generator=g)
    w = torch.zeros(B, T)
    for k in range(args.weighted):  # the last positions, as dolab's benchmark places them
        w[:, T - 1 - k * (T // args.weighted)] = 1.0
    params = list(model.parameters())

    def step():
        opt.zero_grad(set_to_none=True)
        loss = weighted_loss(model(tokens), targets, w)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        return loss

    for _ in range(args.warmup):
        step()
    t0 = time.perf_counter()
    for _ in range(args.steps):
        loss = step()
    loss.item()
    dt = time.perf_counter() - t0
    n_params = sum(p.numel() for p in params)
    return {"threads": threads, "steps": args.steps, "seconds": dt,
            "tokens_per_s": B * T * args.steps / dt, "ms_per_step": 1e3 * dt / args.steps,
            "params": n_params}


def parse_dolab(entries):
    """['1:53695', '2:63283'] -> {1: 53695.0, 2: 63283.0}; a bare 'X' is keyed 0 (threads unknown)."""
    out = {}
    for e in entries:
        th, _, x = e.rpartition(":")
        try:
            out[int(th) if th else 0] = float(x)
        except ValueError:
            raise SystemExit(f"bench/torch_ref.py: --dolab-tokens-per-s: bad value '{e}' "
                             "(expected X or THREADS:X)")
    return out


def main():
    ap = argparse.ArgumentParser(description="PyTorch reference of `dolab bench train`: the same "
                                 "GPT, weighted loss and AdamW, timed in PyTorch.")
    ap.add_argument("--steps", type=int, default=50, help="timed steps (default 50, as dolab)")
    ap.add_argument("--warmup", type=int, default=3, help="untimed warm-up steps (default 3)")
    ap.add_argument("--batch", type=int, default=32, help="sequences per step (default 32)")
    ap.add_argument("--layers", type=int, default=2, help="layers (default 2)")
    ap.add_argument("--dim", type=int, default=64, help="model width (default 64)")
    ap.add_argument("--heads", type=int, default=4, help="attention heads (default 4)")
    ap.add_argument("--vocab", type=int, default=105, help="vocabulary (default 105, dolab's)")
    ap.add_argument("--context", type=int, default=42, help="context (default 42, dolab's)")
    ap.add_argument("--seq", type=int, default=None, help="sequence length (default: context)")
    ap.add_argument("--weighted", type=int, default=13,
                    help="loss positions per sequence (default 13, as dolab's benchmark)")
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2],
                    help="thread counts to time (default 1 2)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of text")
    ap.add_argument("--dolab-tokens-per-s", nargs="+", default=None, metavar="[THREADS:]X",
                    help="dolab's figures (from `./dolab bench train`) to print dolab/torch ratios")
    args = ap.parse_args()
    if args.seq is None:
        args.seq = args.context
    bad = None
    if min(args.steps, args.batch, args.layers, args.dim, args.heads, args.vocab,
           args.context, args.seq, args.weighted, *args.threads) < 1 or args.warmup < 0:
        bad = "every size and count must be positive"
    elif args.dim % args.heads:
        bad = f"--dim {args.dim} is not a multiple of --heads {args.heads}"
    elif args.seq > args.context:
        bad = f"--seq {args.seq} is longer than --context {args.context}"
    elif args.weighted > args.seq:
        bad = f"--weighted {args.weighted} is more than --seq {args.seq}"
    if bad:
        print(f"bench/torch_ref.py: {bad}", file=sys.stderr)
        return 2
    dolab = parse_dolab(args.dolab_tokens_per_s) if args.dolab_tokens_per_s else None

    torch.set_num_interop_threads(1)
    expected = dolab_param_count(args.vocab, args.context, args.layers, args.dim)
    results = [bench(args, th) for th in args.threads]
    n_params = results[0]["params"]
    best = max(results, key=lambda r: r["tokens_per_s"])
    report = {
        "torch_version": torch.__version__,
        "openblas_threads_set": openblas() is not None,
        "attention": "scaled_dot_product_attention" if hasattr(F, "scaled_dot_product_attention")
                     else "explicit (masked softmax)",
        "config": {"vocab": args.vocab, "context": args.context, "layers": args.layers,
                   "dim": args.dim, "heads": args.heads, "batch": args.batch, "seq": args.seq,
                   "weighted_per_seq": args.weighted, "warmup": args.warmup},
        "params": n_params, "dolab_params": expected, "results": results,
    }
    ratios = {}
    if dolab:
        by_th = {r["threads"]: r["tokens_per_s"] for r in results}
        if 1 in dolab and 1 in by_th:
            ratios["1_thread"] = dolab[1] / by_th[1]
        ratios["best"] = max(dolab.values()) / best["tokens_per_s"]
        report["dolab_tokens_per_s"] = {str(k): v for k, v in dolab.items()}
        report["dolab_over_torch"] = ratios

    if args.json:
        print(json.dumps(report, indent=2))
    else:
        c = report["config"]
        print(f"torch reference (PyTorch {torch.__version__}, attention: {report['attention']}): "
              f"L={c['layers']} C={c['dim']} H={c['heads']}, vocab {c['vocab']}, context "
              f"{c['context']}, batch {c['batch']}, {c['weighted_per_seq']} loss positions per "
              f"sequence (full logits computed)"
              f"{'; OpenBLAS sized to the thread count too' if report['openblas_threads_set'] else ''}")
        print(f"  parameters: {n_params} (dolab's table: {expected}"
              f"{', equal' if n_params == expected else ', DIFFERENT'})")
        for r in results:
            label = f"torch {r['threads']} thread{'s' if r['threads'] > 1 else ' '}:"
            print(f"  {label} {r['tokens_per_s']:7.0f} tokens/s  {r['ms_per_step']:6.2f} ms/step")
        if dolab:
            if "1_thread" in ratios:
                print(f"  dolab/torch, 1 thread each:      {ratios['1_thread']:.2f}x  "
                      f"({dolab[1]:.0f} / {by_th[1]:.0f} tokens/s)")
            bd = max(dolab, key=dolab.get)
            bd_s = f" at {bd} thread{'s' if bd > 1 else ''}" if bd else ""
            print(f"  dolab/torch, best of each:       {ratios['best']:.2f}x  "
                  f"(dolab {dolab[bd]:.0f}{bd_s} / torch {best['tokens_per_s']:.0f} at "
                  f"{best['threads']} thread{'s' if best['threads'] > 1 else ''})")
        by_th = {r["threads"]: r["tokens_per_s"] for r in results}
        if 1 in by_th and any(th > 1 and tps < by_th[1] for th, tps in by_th.items()):
            print("  (more threads ran slower than one: PyTorch's OpenMP threads spin-wait, which "
                  "collapses when other processes use the cores; try OMP_WAIT_POLICY=passive)")
        print("  (timings are noisy on a shared machine: rerun when it is idle)")
    if n_params != expected:
        print(f"bench/torch_ref.py: parameter count {n_params} differs from dolab's {expected}",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
