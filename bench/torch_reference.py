"""PyTorch reference for bench/trainer-bench.ts: the same small pre-LN causal transformer, the same
KV-cache sampling and the same optimizer step as src-main/trainer/train.ts (teacher-forced forward
with entropy and per-head max attention logit, HMPO loss = sequence-level harmonic mean of token
ratios after GMPO's sign-aware token clip c = 0.4, backward, global grad-norm clip, AdamW, and the
batch telemetry of batch-telemetry.ts), timed on one CPU thread. Run it directly
(`/usr/bin/python3 bench/torch_reference.py [--repeats N] [--breakdown] [--d-model D --layers L
--completion T]`); it prints one JSON line.
`--d-model`, `--layers` and `--completion` set the model for the benchmark's larger size. It is a
yardstick only: nothing in the app imports it, and it checks no numerics against the TS model.
"""
import argparse
import json
import math
import os
import statistics
import time

# One thread for real: torch.set_num_threads does not reach OpenBLAS's own pool, which otherwise
# spins a second core (same wall time here, twice the CPU time).
for _var in ('OMP_NUM_THREADS', 'OPENBLAS_NUM_THREADS', 'MKL_NUM_THREADS'):
    os.environ[_var] = '1'

import torch  # noqa: E402  (after the thread settings)
import torch.nn.functional as F  # noqa: E402

torch.set_num_threads(1)

# The reference config: RunConfig defaults with objective hmpo (keep in step with bench/trainer-bench.ts).
VOCAB, D_MODEL, N_LAYERS, N_HEADS, MLP_RATIO = 16, 64, 2, 4, 4
PROMPT, COMPLETION = 8, 16
ROLLOUT_SEQS, MINIBATCHES, GROUP_SIZE = 64, 4, 8  # 8 prompts x a group of 8
TEMPERATURE, EOS_ID = 1.0, 0
LR, BETAS, ADAM_EPS, WEIGHT_DECAY, GRAD_CLIP = 3e-3, (0.9, 0.999), 1e-8, 0.0, 1.0
TOKEN_CLIP = 0.4  # GMPO sign-aware token clip c (log space); HMPO's mean is p = -1
HIST_MIN, HIST_MAX, HIST_BINS = -1.0, 1.0, 40


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

    def forward(self, x, cache=None, max_logits=None):
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
        if max_logits is not None:
            max_logits.append(s.detach().amax(dim=(0, 2, 3)))  # (H): QK-clip's max pre-softmax logit
        y = s.softmax(-1) @ v  # (B, H, T, hd)
        return y.transpose(1, 2).reshape(b, t, d) @ self.wo  # (B, T, d)


class Block(torch.nn.Module):
    def __init__(self, d, n_heads, ratio):
        super().__init__()
        self.ln1, self.ln2 = LayerNorm(d), LayerNorm(d)
        self.attn = Attention(d, n_heads)
        self.fc1 = torch.nn.Linear(d, ratio * d)
        self.fc2 = torch.nn.Linear(ratio * d, d)

    def forward(self, x, cache=None, max_logits=None):
        x = x + self.attn(self.ln1(x), cache, max_logits)
        return x + self.fc2(F.relu(self.fc1(self.ln2(x))))


class Policy(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.tok = torch.nn.Parameter(torch.randn(VOCAB, D_MODEL) * 0.02)
        self.pos = torch.nn.Parameter(torch.randn(PROMPT + COMPLETION, D_MODEL) * 0.02)
        self.blocks = torch.nn.ModuleList(Block(D_MODEL, N_HEADS, MLP_RATIO) for _ in range(N_LAYERS))
        self.ln_f = LayerNorm(D_MODEL)
        self.head = torch.nn.Parameter(torch.randn(D_MODEL, VOCAB) * 0.02)

    def forward(self, tokens, start=0, caches=None, max_logits=None):
        t = tokens.shape[1]
        x = self.tok[tokens] + self.pos[start:start + t]  # (B, T, d)
        for i, block in enumerate(self.blocks):
            x = block(x, None if caches is None else caches[i], max_logits)
        return self.ln_f(x) @ self.head  # (B, T, V)


@torch.no_grad()
def sample(model, prompts):
    # Each distinct prompt runs once; its cache rows are shared by its group (as the TS decoder does).
    unique, inverse = torch.unique(prompts, dim=0, return_inverse=True)
    caches = [{} for _ in model.blocks]
    logits = model(unique, 0, caches)[inverse, -1]  # (B, V)
    for cache in caches:
        cache['k'], cache['v'] = cache['k'][inverse], cache['v'][inverse]  # (B, H, P, hd)
    # As the TS decoder does, sequences that emitted EOS drop out of the batch (they only pad from
    # then on): `alive` maps the computed rows to sequences, caches and logits hold live rows only.
    batch = prompts.shape[0]
    alive = torch.arange(batch)
    tokens = torch.full((batch, COMPLETION), EOS_ID, dtype=torch.long)
    logps = torch.zeros(batch, COMPLETION)
    for t in range(COMPLETION):
        logp = (logits / TEMPERATURE).log_softmax(-1)  # (live, V)
        tok = torch.multinomial(logp.exp(), 1)[:, 0]
        tokens[alive, t] = tok
        logps[alive, t] = logp.gather(1, tok[:, None])[:, 0]
        keep = tok != EOS_ID
        if t + 1 == COMPLETION or not keep.any():
            break
        if not keep.all():
            alive, tok = alive[keep], tok[keep]
            for cache in caches:
                cache['k'], cache['v'] = cache['k'][keep], cache['v'][keep]
        logits = model(tok[:, None], PROMPT + t, caches)[:, -1]
    return torch.cat([prompts, tokens], 1), logps


def completion_scores(model, tokens):
    """Teacher-forced log-probs and entropy of the completion tokens (B, Tc), and max logits (L, H)."""
    max_logits = []
    logits = model(tokens[:, :-1], max_logits=max_logits)[:, PROMPT - 1:]  # (B, Tc, V)
    return (*token_scores(logits, tokens), torch.stack(max_logits))


def token_scores(logits, tokens):
    """Log-prob of each completion token and entropy of each next-token distribution (B, Tc), from
    the logits (B, Tc, V) at the positions predicting them, divided by the temperature."""
    logp_all = (logits / TEMPERATURE).log_softmax(-1)
    logp = logp_all.gather(2, tokens[:, PROMPT:, None])[..., 0]
    entropy = -(logp_all.exp() * logp_all).sum(-1)
    return logp, entropy


def row_plan(tokens, needed):
    """The rows our scorer computes (row-gather-kernel.ts sharedPrefixRows): one per distinct token
    prefix among each sequence's first needed[b] rows; later rows copy the last needed row.
    Returns expand (B*T): each row's packed row, and compress (R): each packed row's first row."""
    batch, seq_len = tokens.shape
    rows = tokens.tolist()
    ids, expand, compress = {}, [0] * (batch * seq_len), []
    for b in range(batch):
        parent = -1
        for t in range(seq_len):
            if t >= needed[b]:
                expand[b * seq_len + t] = parent
                continue
            key = (parent, rows[b][t])
            if key not in ids:
                ids[key] = len(compress)
                compress.append(b * seq_len + t)
            parent = expand[b * seq_len + t] = ids[key]
    return torch.tensor(expand), torch.tensor(compress)


def completion_scores_same_rows(model, tokens, mask):
    """completion_scores computing the dense rows ours computes: the layer norms, projections and MLP
    once per distinct token prefix and not past each sequence's last scored prediction (the padding
    after its first EOS), the head at completion positions only; attention dense on the (B, T')
    layout, T' the batch's longest needed length (ours stops each sequence at its own), its max
    logits over the needed rows. Differentiable through the packed rows (index_select's backward is
    index_add)."""
    inputs = tokens[:, :-1]
    batch, seq_len = inputs.shape
    needed = (PROMPT - 1 + mask.sum(1).long().clamp(min=1)).tolist()
    expand, compress = row_plan(inputs, needed)
    t_att = max(needed)  # attention rows: none past the longest needed one
    expand_att = expand.view(batch, seq_len)[:, :t_att].reshape(-1)  # (B*T')
    compress_att = compress // seq_len * t_att + compress % seq_len  # the packed rows in the (B, T') layout
    query_padding = (torch.arange(t_att)[None] >= torch.tensor(needed)[:, None])[:, None, :, None]  # (B, 1, T', 1)
    causal = torch.ones(t_att, t_att, dtype=torch.bool).triu(1)
    x = (model.tok[inputs] + model.pos[:seq_len]).reshape(batch * seq_len, -1)[compress]  # (R, d)
    max_logits = []
    for block in model.blocks:
        a = block.attn
        h = block.ln1(x)
        q, k, v = ((h @ w)[expand_att].view(batch, t_att, a.n_heads, a.hd).transpose(1, 2) for w in (a.wq, a.wk, a.wv))  # (B, H, T', hd)
        s = ((q @ k.transpose(-1, -2)) / math.sqrt(a.hd)).masked_fill(causal, float('-inf'))  # (B, H, T', T')
        max_logits.append(s.detach().masked_fill(query_padding, float('-inf')).amax(dim=(0, 2, 3)))
        y = (s.softmax(-1) @ v).transpose(1, 2).reshape(batch * t_att, -1)[compress_att]  # (R, d)
        x = x + y @ a.wo
        x = x + block.fc2(F.relu(block.fc1(block.ln2(x))))
    rows = expand.view(batch, seq_len)[:, PROMPT - 1:]  # (B, Tc): the packed row predicting each completion token
    return (*token_scores(model.ln_f(x)[rows] @ model.head, tokens), torch.stack(max_logits))  # head on (B, Tc) rows


def token_log_ratios(logp, logp_old, mask):
    return torch.where(mask > 0, logp - logp_old, torch.zeros_like(logp))


def clip_tokens(x, adv):
    """GMPO sign-aware clip: A >= 0 clips x > c to c, A < 0 clips x < -c to -c (no gradient there)."""
    return torch.where((adv >= 0)[:, None], torch.clamp(x, max=TOKEN_CLIP), torch.clamp(x, min=-TOKEN_CLIP))


def log_power_mean(z, mask, p):
    n = mask.sum(1).clamp(min=1)
    if p == 0:
        return (z * mask).sum(1) / n
    return torch.log((torch.exp(p * z) * mask).sum(1) / n) / p


def hmpo_loss(logp, logp_old, mask, adv):
    z = clip_tokens(token_log_ratios(logp, logp_old, mask), adv)
    rho = torch.exp(log_power_mean(z, mask, -1.0))  # harmonic mean of token ratios
    return -(adv * rho).mean()


def telemetry(logp, logp_old, mask, adv):
    """batch-telemetry.ts for the hmpo preset: the same metrics, one readback."""
    logp_leaf = logp.detach().requires_grad_(True)
    loss = hmpo_loss(logp_leaf, logp_old, mask, adv)
    (g,) = torch.autograd.grad(loss, logp_leaf)
    with torch.no_grad():
        on = mask > 0
        n_all = mask.sum().clamp(min=1)
        mm = lambda v: (v * mask).sum() / n_all  # noqa: E731
        x = token_log_ratios(logp_leaf, logp_old, mask)
        mean = mm(x)
        z = clip_tokens(x, adv)
        log_a, log_g, log_h = (log_power_mean(z, mask, p) for p in (1.0, 0.0, -1.0))
        a, h = log_a.exp(), log_h.exp()
        n = mask.sum(1).clamp(min=1)
        mu = (z * mask).sum(1) / n
        var = (((z - mu[:, None]) * mask) ** 2).sum(1) / n
        low = (x < -TOKEN_CLIP) & (adv < 0)[:, None]
        high = (x > TOKEN_CLIP) & (adv >= 0)[:, None]
        rho = log_h.exp()
        w = g.abs() * mask
        sum_sq = (w ** 2).sum()
        ess = torch.where(sum_sq > 0, w.sum() ** 2 / (sum_sq.clamp(min=1e-30) * n_all), torch.zeros(()))
        values = torch.stack([
            mean, mm((x - mean) ** 2), mm(x.abs()), torch.where(on, x.abs(), torch.zeros_like(x)).max(),
            a.mean(), log_g.exp().mean(), h.mean(), (log_a - log_g).mean(), (0.5 * var).mean(), (a - h).abs().mean(),
            mm(low.float()), mm(high.float()), mm((low | high).float()),
            rho.mean(), rho.min(), rho.max(), torch.zeros(()), torch.tensor(-1.0), ess, loss.detach(),
        ]).tolist()
        scored = x[on]
        hist = torch.bucketize(scored, torch.linspace(HIST_MIN, HIST_MAX, HIST_BINS + 1), right=True)
        counts = torch.bincount(hist, minlength=HIST_BINS + 2).tolist()
    return values, counts


def optimizer_step(model, opt, batch, mark, scores=lambda model, tokens, mask: completion_scores(model, tokens)):
    """train.ts's optimizerStep: forward, loss, backward, grad norm + clip, telemetry, AdamW."""
    tokens, mask, logp_old, adv = batch
    logp, entropy, max_logits = scores(model, tokens, mask)
    entropy_mean = (entropy * mask).sum() / mask.sum().clamp(min=1)
    loss = hmpo_loss(logp, logp_old, mask, adv)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    mark('forward_backward')
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), GRAD_CLIP)
    loss_value, norm_value, _ = torch.stack([loss.detach(), norm, entropy_mean.detach()]).tolist()
    max_logits.tolist()
    mark('grad_norm')
    telemetry(logp, logp_old, mask, adv)
    mark('telemetry')
    opt.step()
    mark('optimizer')
    return loss_value, norm_value


def median_ms(fn, repeats, warmup):
    """Median wall-clock ms and median CPU ms of this process."""
    for _ in range(warmup):
        fn()
    wall, cpu = [], []
    for _ in range(repeats):
        c0, t0 = time.process_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main():
    global D_MODEL, N_LAYERS, COMPLETION
    parser = argparse.ArgumentParser()
    parser.add_argument('--repeats', type=int, default=20)
    parser.add_argument('--warmup', type=int, default=30)  # bench/trainer-bench.ts passes its own; 30 as there
    parser.add_argument('--breakdown', action='store_true')
    parser.add_argument('--d-model', type=int, default=D_MODEL)
    parser.add_argument('--layers', type=int, default=N_LAYERS)
    parser.add_argument('--completion', type=int, default=COMPLETION)
    args = parser.parse_args()
    # The larger benchmark size (bench/trainer-bench.ts --size) overrides the reference config's shape.
    D_MODEL, N_LAYERS, COMPLETION = args.d_model, args.layers, args.completion
    torch.manual_seed(0)
    model = Policy()
    prompts = torch.randint(1, VOCAB, (ROLLOUT_SEQS // GROUP_SIZE, PROMPT)).repeat_interleave(GROUP_SIZE, 0)
    rollout_ms, rollout_cpu_ms = median_ms(lambda: sample(model, prompts), args.repeats, args.warmup)

    # One rollout; optimizer steps cycle over its minibatches as the training loop does.
    mb = ROLLOUT_SEQS // MINIBATCHES
    tokens, _ = sample(model, prompts)
    completion = tokens[:, PROMPT:]
    first_eos = torch.where(completion == EOS_ID, torch.arange(COMPLETION), COMPLETION).min(1).values
    mask = (torch.arange(COMPLETION)[None] <= first_eos[:, None]).float()
    with torch.no_grad():
        logp_old = completion_scores(model, tokens)[0] * mask  # teacher-forced old log-probs, as rollout.ts
    adv = torch.randn(ROLLOUT_SEQS)
    batches = [tuple(t[i * mb:(i + 1) * mb] for t in (tokens, mask, logp_old, adv)) for i in range(MINIBATCHES)]
    opt = torch.optim.AdamW(model.parameters(), lr=LR, betas=BETAS, eps=ADAM_EPS, weight_decay=WEIGHT_DECAY)
    phase_times = {}
    clock = [0.0]

    def mark(phase):
        now = time.perf_counter()
        phase_times.setdefault(phase, []).append((now - clock[0]) * 1000)
        clock[0] = now

    step_count = [0]

    def step():
        clock[0] = time.perf_counter()
        optimizer_step(model, opt, batches[step_count[0] % MINIBATCHES], mark if args.breakdown else (lambda _: None))
        step_count[0] += 1

    train_ms, train_cpu_ms = median_ms(step, args.repeats, args.warmup)
    # The same step computing the rows ours computes (each distinct prefix once, no padding): the like-for-like yardstick.
    with torch.no_grad():
        for b in batches:
            drift = ((completion_scores_same_rows(model, b[0], b[1])[0] - completion_scores(model, b[0])[0]) * b[1]).abs().max().item()
            assert drift < 1e-4, f'same-rows scores differ from the full pass by {drift}'

    def same_rows_step():
        optimizer_step(model, opt, batches[step_count[0] % MINIBATCHES], lambda _: None, completion_scores_same_rows)
        step_count[0] += 1

    same_rows_ms, same_rows_cpu_ms = median_ms(same_rows_step, args.repeats, args.warmup)
    result = {
        'impl': 'pytorch',
        'backend': f'torch {torch.__version__} cpu, 1 thread',
        'rollout_ms': rollout_ms,
        'train_step_ms': train_ms,
        'rollout_cpu_ms': rollout_cpu_ms,
        'train_step_cpu_ms': train_cpu_ms,
        'train_step_same_rows_ms': same_rows_ms,
        'train_step_same_rows_cpu_ms': same_rows_cpu_ms,
        'rollout_tokens_per_s': ROLLOUT_SEQS * COMPLETION / rollout_ms * 1000,
        'train_tokens_per_s': mb * (PROMPT + COMPLETION) / train_ms * 1000,
    }
    if args.breakdown:
        result['phases_ms'] = {k: statistics.median(v[args.warmup:]) for k, v in phase_times.items()}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
