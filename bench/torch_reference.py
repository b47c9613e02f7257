"""PyTorch reference for bench/trainer-bench.ts: the same small pre-LN causal transformer, the same
KV-cache sampling and the same training step, timed on one CPU thread. Run it directly
(`/usr/bin/python3 bench/torch_reference.py [--repeats N]`); it prints one JSON line. It is a
yardstick only: nothing in the app imports it, and it checks no numerics against the TS model.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)

# The reference benchmark config (keep in step with bench/trainer-bench.ts).
VOCAB, D_MODEL, N_LAYERS, N_HEADS, MLP_RATIO = 16, 64, 2, 4, 4
PROMPT, COMPLETION = 8, 16
ROLLOUT_SEQS, MINIBATCHES, GROUP_SIZE = 64, 4, 8  # 8 prompts x a group of 8, the default run
TEMPERATURE, LR, EOS_ID = 1.0, 1e-3, 0


class LayerNorm(torch.nn.Module):
    def __init__(self, d):
        super().__init__()
        self.gain = torch.nn.Parameter(torch.ones(d))
        self.bias = torch.nn.Parameter(torch.zeros(d))

    def forward(self, x):
        return F.layer_norm(x, x.shape[-1:], self.gain, self.bias, 1e-5)


class Attention(torch.nn.Module):
    """W_q, W_k, W_v, W_o each (d, d), no biases; head h owns columns [h*hd, (h+1)*hd)."""

    def __init__(self, d, n_heads):
        super().__init__()
        self.n_heads, self.hd = n_heads, d // n_heads
        self.wq, self.wk, self.wv, self.wo = (torch.nn.Parameter(torch.randn(d, d) * 0.02) for _ in range(4))

    def forward(self, x, cache=None):
        b, t, d = x.shape
        q = (x @ self.wq).view(b, t, self.n_heads, self.hd).transpose(1, 2)  # (B, H, T, hd)
        k = (x @ self.wk).view(b, t, self.n_heads, self.hd).transpose(1, 2)  # (B, H, T, hd)
        v = (x @ self.wv).view(b, t, self.n_heads, self.hd).transpose(1, 2)  # (B, H, T, hd)
        if cache is not None:
            if cache.get('k') is not None:
                k = torch.cat([cache['k'], k], dim=2)  # (B, H, t0 + T, hd)
                v = torch.cat([cache['v'], v], dim=2)
            cache['k'], cache['v'] = k, v
        s = (q @ k.transpose(-1, -2)) / math.sqrt(self.hd)  # (B, H, T, S)
        if t > 1:
            s = s.masked_fill(torch.ones(t, k.shape[2], dtype=torch.bool).triu(1 + k.shape[2] - t), float('-inf'))
        y = s.softmax(-1) @ v  # (B, H, T, hd)
        return y.transpose(1, 2).reshape(b, t, d) @ self.wo  # (B, T, d)


class Block(torch.nn.Module):
    def __init__(self, d, n_heads, ratio):
        super().__init__()
        self.ln1, self.ln2 = LayerNorm(d), LayerNorm(d)
        self.attn = Attention(d, n_heads)
        self.fc1 = torch.nn.Linear(d, ratio * d)
        self.fc2 = torch.nn.Linear(ratio * d, d)

    def forward(self, x, cache=None):
        x = x + self.attn(self.ln1(x), cache)
        return x + self.fc2(F.relu(self.fc1(self.ln2(x))))


class Policy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Parameter(torch.randn(VOCAB, D_MODEL) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(PROMPT + COMPLETION, D_MODEL) * 0.02)
        self.blocks = torch.nn.ModuleList(Block(D_MODEL, N_HEADS, MLP_RATIO) for _ in range(N_LAYERS))
        self.ln_f = LayerNorm(D_MODEL)
        self.head = torch.nn.Parameter(torch.randn(D_MODEL, VOCAB) * 0.02)

    def forward(self, tokens, start=0, caches=None):
        t = tokens.shape[1]
        x = self.tok[tokens] + self.pos[start:start + t]  # (B, T, d)
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i])
        return self.ln_f(x) @ self.head  # (B, T, V)


@torch.no_grad()
def sample(model, prompts):
    # Each distinct prompt runs once; its cache rows are shared by its group (as the TS decoder does).
    unique, inverse = torch.unique(prompts, dim=0, return_inverse=True)
    caches = [{} for _ in model.blocks]
    logits = model(unique, 0, caches)[inverse, -1]  # (B, V)
    for cache in caches:
        cache['k'], cache['v'] = cache['k'][inverse], cache['v'][inverse]  # (B, H, P, hd)
    tokens, logps = [], []
    done = torch.zeros(prompts.shape[0], dtype=torch.bool)
    for t in range(COMPLETION):
        logp = (logits / TEMPERATURE).log_softmax(-1)
        tok = torch.multinomial(logp.exp(), 1)[:, 0]
        tok = torch.where(done, torch.full_like(tok, EOS_ID), tok)
        logps.append(logp.gather(1, tok[:, None])[:, 0])
        tokens.append(tok)
        done |= tok == EOS_ID
        if t + 1 < COMPLETION:
            logits = model(tok[:, None], PROMPT + t, caches)[:, -1]
    return torch.cat([prompts, torch.stack(tokens, 1)], 1), torch.stack(logps, 1)


def completion_logprobs(model, tokens):
    logits = model(tokens[:, :-1])[:, PROMPT - 1:] / TEMPERATURE  # (B, Tc, V)
    return logits.log_softmax(-1).gather(2, tokens[:, PROMPT:, None])[..., 0]  # (B, Tc)


def train_step(model, tokens, mask, logp_old, adv):
    logp = completion_logprobs(model, tokens)
    log_ratio = ((logp - logp_old) * mask).sum(1) / mask.sum(1)
    loss = -(adv * log_ratio.exp()).mean()
    model.zero_grad(set_to_none=True)
    loss.backward()
    with torch.no_grad():
        for p in model.parameters():
            p -= LR * p.grad


def median_ms(fn, repeats, warmup):
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=3)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = Policy()
    prompts = torch.randint(1, VOCAB, (ROLLOUT_SEQS // GROUP_SIZE, PROMPT)).repeat_interleave(GROUP_SIZE, 0)
    rollout_ms = median_ms(lambda: sample(model, prompts), args.repeats, args.warmup)

    mb = ROLLOUT_SEQS // MINIBATCHES
    tokens, logp_old = sample(model, prompts[:mb])
    completion = tokens[:, PROMPT:]
    first_eos = torch.where(completion == EOS_ID, torch.arange(COMPLETION), COMPLETION).min(1).values
    mask = (torch.arange(COMPLETION)[None] <= first_eos[:, None]).float()
    adv = torch.randn(mb)
    train_ms = median_ms(lambda: train_step(model, tokens, mask, logp_old, adv), args.repeats, args.warmup)
    print(json.dumps({
        'impl': 'pytorch',
        'backend': f'torch {torch.__version__} cpu, 1 thread',
        'rollout_ms': rollout_ms,
        'train_step_ms': train_ms,
        'rollout_tokens_per_s': ROLLOUT_SEQS * COMPLETION / rollout_ms * 1000,
        'train_tokens_per_s': mb * (PROMPT + COMPLETION) / train_ms * 1000,
    }))


if __name__ == '__main__':
    main()
