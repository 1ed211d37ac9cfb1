#!/usr/bin/env python3
"""Writes the tiny Hugging Face-format checkpoints the tests load (test/fixtures/hf/).

    /usr/bin/python3 scripts/make_hf_fixtures.py      # Debian: apt-get install python3-torch

Two folders, each a model folder as the Hub serves it:
  tiny-llama/  LlamaForCausalLM: GQA (4 query heads, 2 kv heads), head_dim 16 != hidden/heads,
               llama3 RoPE scaling, untied head, bf16 weights in one model.safetensors,
               a Llama-3 style tokenizer (digits in groups of up to 3, ignore_merges).
  tiny-qwen2/  Qwen2ForCausalLM: q/k/v biases, tied head, F16 matrices + F32 vectors sharded
               over two files with model.safetensors.index.json, a Qwen2 style tokenizer
               (single digits, NFC) and a model vocabulary larger than the tokenizer's.
and in each, expected.json (token ids of test strings, the chat prompt) and expected.safetensors
(the reference logits).

Everything is written from first principles so the TypeScript side is checked against an
independent implementation: the model math is plain torch (no `transformers`), computed in
float64 from the stored (rounded) weights; the byte-level BPE tokenizer is trained and applied
here in plain Python (no `tokenizers`); safetensors files are written by hand.
"""
import json
import os
import re
import struct
import unicodedata

import torch

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'hf')

# ----------------------------------------------------------------------------------------------
# Byte-level BPE (GPT-2 bytes_to_unicode, merges by rank)
# ----------------------------------------------------------------------------------------------


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(
        range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, [chr(c) for c in cs]))


B2U = bytes_to_unicode()

# The Hub's split patterns, written for Python's `re` (no \p{..}): [^\W\d_] = letter,
# \d = digit; equal to \p{L} / \p{N} on the ASCII and Latin-1 text used here.
L = r'[^\W\d_]'
NOT_LN = r'(?:[^\w\r\n]|_)'  # [^\r\n\p{L}\p{N}]
NOT_SLN = r'(?:[^\w\s]|_)'  # [^\s\p{L}\p{N}]
QWEN2_PATTERN = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|" + NOT_LN + '?' + L + r'+|\d| ?' + NOT_SLN +
                 r'+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+')
LLAMA3_PATTERN = QWEN2_PATTERN.replace(r'|\d|', r'|\d{1,3}|')
# The same patterns as the Rust tokenizers library reads them (written into tokenizer.json).
QWEN2_REGEX = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+"
               r"[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
LLAMA3_REGEX = QWEN2_REGEX.replace(r'|\p{N}|', r'|\p{N}{1,3}|')

CORPUS = """Tom has 5 apples and buys 3 more. How many apples does he have now?
Each box holds 12 pens. A school buys 4 boxes and gives away 7 pens. How many pens are left?
Sara spends $3.50 on tea and $2.25 on bread. How much does she spend in total?
The answer is \\boxed{8}. The answer is \\boxed{41}. The answer is \\boxed{5.75}.
First, 5 + 3 = 8. Then 12 * 4 = 48 and 48 - 7 = 41. So she spends 3.50 + 2.25 = 5.75 dollars.
You are a helpful assistant. Let's think step by step and write the answer inside \\boxed{}.
system user assistant system user assistant
Wait, let me check that again. Yes, that is right. I think the total is correct.
"""


def pre_tokenize(text, pattern):
    return re.findall(pattern, text)


def train_merges(words, n_merges):
    """Classic BPE training: most frequent adjacent pair first, ties by the pair's text."""
    seqs = {}
    for w in words:
        key = tuple(B2U[b] for b in w.encode('utf-8'))
        seqs[key] = seqs.get(key, 0) + 1
    merges = []
    for _ in range(n_merges):
        counts = {}
        for seq, c in seqs.items():
            for a, b in zip(seq, seq[1:]):
                counts[(a, b)] = counts.get((a, b), 0) + c
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: (kv[1], [-ord(ch) for ch in kv[0][0] + kv[0][1]]))
        if best[1] < 2:
            break
        a, b = best[0]
        merges.append((a, b))
        new = {}
        for seq, c in seqs.items():
            out = []
            i = 0
            while i < len(seq):
                if i + 1 < len(seq) and seq[i] == a and seq[i + 1] == b:
                    out.append(a + b)
                    i += 2
                else:
                    out.append(seq[i])
                    i += 1
            new[tuple(out)] = new.get(tuple(out), 0) + c
        seqs = new
    return merges


class ByteBpe:
    def __init__(self, vocab, merges, added, pattern, nfc, ignore_merges):
        self.vocab = vocab  # token string -> id (added tokens included)
        self.rank = {m: i for i, m in enumerate(merges)}
        self.added = added  # content -> id
        self.pattern = pattern
        self.nfc = nfc
        self.ignore_merges = ignore_merges

    def bpe(self, word):
        chars = ''.join(B2U[b] for b in word.encode('utf-8'))
        if self.ignore_merges and chars in self.vocab:
            return [self.vocab[chars]]
        parts = list(chars)
        while len(parts) > 1:
            pairs = [(self.rank.get((a, b), 1 << 30), i) for i, (a, b) in enumerate(zip(parts, parts[1:]))]
            r, i = min(pairs)
            if r == 1 << 30:
                break
            parts[i:i + 2] = [parts[i] + parts[i + 1]]
        return [self.vocab[p] for p in parts]

    def encode(self, text):
        specials = sorted(self.added, key=len, reverse=True)
        split = re.compile('|'.join(re.escape(s) for s in specials))
        ids = []
        pos = 0
        for m in list(split.finditer(text)) + [None]:
            chunk = text[pos:m.start()] if m else text[pos:]
            if self.nfc:
                chunk = unicodedata.normalize('NFC', chunk)
            for w in pre_tokenize(chunk, self.pattern):
                ids += self.bpe(w)
            if m:
                ids.append(self.added[m.group(0)])
                pos = m.end()
        return ids


def build_tokenizer(pattern, regex, specials, nfc, ignore_merges, n_merges):
    merges = train_merges(pre_tokenize(CORPUS, pattern), n_merges)
    vocab = {}
    for b in range(256):
        vocab[B2U[b]] = len(vocab)
    for a, b in merges:
        if a + b not in vocab:
            vocab[a + b] = len(vocab)
    added = {}
    for s in specials:
        added[s] = len(vocab) + len(added)
    all_vocab = dict(vocab)
    all_vocab.update(added)
    byte_level = {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': False, 'use_regex': False}
    tj = {
        'version': '1.0',
        'truncation': None,
        'padding': None,
        'added_tokens': [{
            'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
            'normalized': False, 'special': True
        } for s, i in added.items()],
        'normalizer': {'type': 'NFC'} if nfc else None,
        'pre_tokenizer': {
            'type': 'Sequence',
            'pretokenizers': [
                {'type': 'Split', 'pattern': {'Regex': regex}, 'behavior': 'Isolated', 'invert': False},
                byte_level,
            ],
        },
        'post_processor': byte_level,
        'decoder': byte_level,
        'model': {
            'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': '',
            'end_of_word_suffix': '', 'fuse_unk': False, 'byte_fallback': False,
            'ignore_merges': ignore_merges, 'vocab': vocab, 'merges': [[a, b] for a, b in merges],
        },
    }
    return ByteBpe(all_vocab, merges, added, pattern, nfc, ignore_merges), tj


# ----------------------------------------------------------------------------------------------
# The model math (float64): RMSNorm, RoPE (rotate_half), GQA attention, SwiGLU
# ----------------------------------------------------------------------------------------------


def rope_inv_freq(cfg):
    hd = head_dim(cfg)
    inv = 1.0 / (cfg['rope_theta'] ** (torch.arange(0, hd, 2, dtype=torch.float64) / hd))
    sc = cfg.get('rope_scaling')
    if sc and sc['rope_type'] == 'llama3':
        factor, lo, hi = sc['factor'], sc['low_freq_factor'], sc['high_freq_factor']
        old = sc['original_max_position_embeddings']
        low_wavelen, high_wavelen = old / lo, old / hi
        out = []
        for f in inv.tolist():
            wavelen = 2 * 3.141592653589793 / f
            if wavelen < high_wavelen:
                out.append(f)
            elif wavelen > low_wavelen:
                out.append(f / factor)
            else:
                smooth = (old / wavelen - lo) / (hi - lo)
                out.append((1 - smooth) * f / factor + smooth * f)
        inv = torch.tensor(out, dtype=torch.float64)
    elif sc and sc['rope_type'] == 'linear':
        inv = inv / sc['factor']
    return inv


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat([-x[..., h:], x[..., :h]], dim=-1)


def rms_norm(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def forward(cfg, W, ids, mask):
    """ids [B, T]; mask [B, T] (1 = token, 0 = left padding). Returns logits [B, T, V]."""
    B, T = ids.shape
    H, KV, hd = cfg['num_attention_heads'], cfg['num_key_value_heads'], head_dim(cfg)
    eps = cfg['rms_norm_eps']
    pos = (mask.cumsum(-1) - 1).clamp(min=0).to(torch.float64)  # HF's position_ids for padding
    ang = pos[..., None] * rope_inv_freq(cfg)  # [B, T, hd/2]
    emb = torch.cat([ang, ang], -1)
    cos, sin = emb.cos()[:, None], emb.sin()[:, None]  # [B, 1, T, hd]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    allowed = causal[None, None] & mask.bool()[:, None, None, :]
    x = W['model.embed_tokens.weight'][ids]
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        h = rms_norm(x, W[p + 'input_layernorm.weight'], eps)

        def proj(name, t=h):
            y = t @ W[p + name + '.weight'].T
            b = W.get(p + name + '.bias')
            return y + b if b is not None else y

        q = proj('self_attn.q_proj').view(B, T, H, hd).transpose(1, 2)
        k = proj('self_attn.k_proj').view(B, T, KV, hd).transpose(1, 2)
        v = proj('self_attn.v_proj').view(B, T, KV, hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        k = k.repeat_interleave(H // KV, dim=1)
        v = v.repeat_interleave(H // KV, dim=1)
        s = (q @ k.transpose(-1, -2)) / hd ** 0.5
        s = s.masked_fill(~allowed, float('-inf'))
        # a fully padded query row has no allowed key; its output is never compared
        a = torch.nan_to_num(torch.softmax(s, -1), nan=0.0)
        y = (a @ v).transpose(1, 2).reshape(B, T, H * hd)
        x = x + y @ W[p + 'self_attn.o_proj.weight'].T
        h2 = rms_norm(x, W[p + 'post_attention_layernorm.weight'], eps)
        g = h2 @ W[p + 'mlp.gate_proj.weight'].T
        u = h2 @ W[p + 'mlp.up_proj.weight'].T
        x = x + (torch.nn.functional.silu(g) * u) @ W[p + 'mlp.down_proj.weight'].T
    x = rms_norm(x, W['model.norm.weight'], eps)
    head = W['model.embed_tokens.weight'] if cfg['tie_word_embeddings'] else W['lm_head.weight']
    return x @ head.T


# ----------------------------------------------------------------------------------------------
# Weights and safetensors (written by hand)
# ----------------------------------------------------------------------------------------------


def make_weights(cfg, gen):
    d, I, V = cfg['hidden_size'], cfg['intermediate_size'], cfg['vocab_size']
    H, KV, hd = cfg['num_attention_heads'], cfg['num_key_value_heads'], head_dim(cfg)

    def mat(o, i, std=None):
        return torch.randn(o, i, generator=gen, dtype=torch.float64) * (std or i ** -0.5)

    def gain(n):
        return 1 + 0.2 * torch.randn(n, generator=gen, dtype=torch.float64)

    W = {'model.embed_tokens.weight': mat(V, d, 1.0)}
    for l in range(cfg['num_hidden_layers']):
        p = f'model.layers.{l}.'
        W[p + 'input_layernorm.weight'] = gain(d)
        W[p + 'self_attn.q_proj.weight'] = mat(H * hd, d)
        W[p + 'self_attn.k_proj.weight'] = mat(KV * hd, d)
        W[p + 'self_attn.v_proj.weight'] = mat(KV * hd, d)
        if has_qkv_bias(cfg):
            for n, o in (('q', H * hd), ('k', KV * hd), ('v', KV * hd)):
                W[p + f'self_attn.{n}_proj.bias'] = 0.5 * torch.randn(o, generator=gen, dtype=torch.float64)
        W[p + 'self_attn.o_proj.weight'] = mat(d, H * hd)
        W[p + 'post_attention_layernorm.weight'] = gain(d)
        W[p + 'mlp.gate_proj.weight'] = mat(I, d)
        W[p + 'mlp.up_proj.weight'] = mat(I, d)
        W[p + 'mlp.down_proj.weight'] = mat(d, I)
    W['model.norm.weight'] = gain(d)
    if not cfg['tie_word_embeddings']:
        W['lm_head.weight'] = mat(V, d)
    return W


def to_bytes(t, dtype):
    """Tensor -> (rounded float64 tensor, little-endian bytes) in 'F32', 'F16' or 'BF16'."""
    if dtype == 'F32':
        r = t.to(torch.float32)
        return r.to(torch.float64), r.numpy().astype('<f4').tobytes()
    if dtype == 'F16':
        r = t.to(torch.float16)
        return r.to(torch.float64), r.numpy().astype('<f2').tobytes()
    if dtype == 'BF16':
        r = t.to(torch.bfloat16)
        raw = r.view(torch.int16).numpy().astype('<i2').tobytes()
        return r.to(torch.float64), raw
    raise ValueError(dtype)


def safetensors_bytes(entries, metadata=None):
    """entries: list of (name, dtype, shape, raw bytes) -> the safetensors file."""
    header = {}
    if metadata:
        header['__metadata__'] = metadata
    off = 0
    for name, dtype, shape, raw in entries:
        header[name] = {'dtype': dtype, 'shape': list(shape), 'data_offsets': [off, off + len(raw)]}
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode('utf-8')
    h += b' ' * ((8 - (8 + len(h)) % 8) % 8)
    return struct.pack('<Q', len(h)) + h + b''.join(e[3] for e in entries)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, 'wb' if isinstance(data, bytes) else 'w') as f:
        f.write(data)


def write_json(path, obj):
    write(path, json.dumps(obj, indent=1, ensure_ascii=False) + '\n')


# ----------------------------------------------------------------------------------------------
# The two fixtures
# ----------------------------------------------------------------------------------------------

TEST_STRINGS = [
    'Tom has 5 apples and buys 3 more.',
    'The answer is \\boxed{12345}.',
    "  Let's check:\n\n42 - 7 = 35, isn't it?  ",
    'café naïve ÀB',
    'cafe\u0301 (decomposed)',
    '<|im_start|>user\nhi<|im_end|>',
]

MESSAGES = [{'role': 'user', 'content': 'Tom has 5 apples and buys 3 more. How many?'}]

QWEN2_TEMPLATE = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are a tiny test model.<|im_end|>\\n' }}{%- endif %}"
    "{%- for message in messages %}"
    "{%- if not (message.role == 'system' and loop.first) %}"
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}")

LLAMA3_TEMPLATE = (
    "{{- bos_token }}{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' + message['content'] | trim + '<|eot_id|>' }}"
    "{%- endfor %}{%- if add_generation_prompt %}"
    "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}")


def qwen2_prompt(messages):
    text = '<|im_start|>system\nYou are a tiny test model.<|im_end|>\n'
    for m in messages:
        text += f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n"
    return text + '<|im_start|>assistant\n'


def llama3_prompt(messages):
    text = '<|begin_of_text|>'
    for m in messages:
        text += f"<|start_header_id|>{m['role']}<|end_header_id|>\n\n{m['content'].strip()}<|eot_id|>"
    return text + '<|start_header_id|>assistant<|end_header_id|>\n\n'


def token_batches(tok, V_tok):
    """A plain batch [2, 7] and a left-padded one (second row: 4 tokens after 3 pads)."""
    a = tok.encode('Tom has 5 apples')[:7]
    b = tok.encode('The answer is 41.')[:7]
    while len(a) < 7:
        a.append(a[-1])
    while len(b) < 7:
        b.append(b[-1])
    full = [a, b]
    padded = [a, [0, 0, 0] + b[:4]]
    mask = [[1] * 7, [0, 0, 0, 1, 1, 1, 1]]
    assert max(max(r) for r in full) < V_tok
    return full, padded, mask


def head_dim(cfg):
    return cfg.get('head_dim') or cfg['hidden_size'] // cfg['num_attention_heads']


def has_qkv_bias(cfg):
    return cfg['model_type'] == 'qwen2' or cfg.get('attention_bias', False)


def make_fixture(name, cfg, tok_args, tok_config, template, prompt_fn, dtypes, shards, extra_files):
    gen = torch.Generator().manual_seed(1234 if name == 'tiny-llama' else 4321)
    tok, tj = build_tokenizer(**tok_args)
    n_tok = len(tok.vocab)
    if cfg['vocab_size'] < n_tok:
        raise SystemExit(f'{name}: vocab_size {cfg["vocab_size"]} < tokenizer size {n_tok}')
    W = make_weights(cfg, gen)
    folder = os.path.join(OUT, name)
    # Store, then compute the reference from the rounded values that were stored.
    entries = []
    for k, t in W.items():
        dt = dtypes(k, t)
        W[k], raw = to_bytes(t, dt)
        entries.append((k, dt, tuple(t.shape), raw))
    if shards == 1:
        write(os.path.join(folder, 'model.safetensors'), safetensors_bytes(entries, {'format': 'pt'}))
    else:
        per = (len(entries) + shards - 1) // shards
        weight_map = {}
        total = 0
        for s in range(shards):
            fname = f'model-{s + 1:05d}-of-{shards:05d}.safetensors'
            part = entries[s * per:(s + 1) * per]
            write(os.path.join(folder, fname), safetensors_bytes(part, {'format': 'pt'}))
            for e in part:
                weight_map[e[0]] = fname
                total += len(e[3])
        write_json(os.path.join(folder, 'model.safetensors.index.json'),
                   {'metadata': {'total_size': total}, 'weight_map': weight_map})
    write_json(os.path.join(folder, 'config.json'), cfg)
    write_json(os.path.join(folder, 'tokenizer.json'), tj)
    tc = dict(tok_config)
    tc['chat_template'] = template
    tc['added_tokens_decoder'] = {
        str(i): {'content': s, 'lstrip': False, 'normalized': False, 'rstrip': False,
                 'single_word': False, 'special': True} for s, i in tok.added.items()}
    write_json(os.path.join(folder, 'tokenizer_config.json'), tc)
    for fname, obj in extra_files(tok.added).items():
        write_json(os.path.join(folder, fname), obj)

    full, padded, mask = token_batches(tok, n_tok)
    with torch.no_grad():
        logits_full = forward(cfg, W, torch.tensor(full), torch.ones(2, 7, dtype=torch.long))
        logits_pad = forward(cfg, W, torch.tensor(padded), torch.tensor(mask))
    prompt_text = prompt_fn(MESSAGES)
    expected = {
        'note': 'written by scripts/make_hf_fixtures.py; logits in expected.safetensors',
        'tokenizer_size': n_tok,
        'encodings': [{'text': s, 'ids': tok.encode(s)} for s in TEST_STRINGS],
        'chat': {'messages': MESSAGES, 'prompt_text': prompt_text, 'prompt_ids': tok.encode(prompt_text)},
        'batch_full': full,
        'batch_padded': padded,
        'padded_mask': mask,
    }
    write_json(os.path.join(folder, 'expected.json'), expected)
    logit_entries = []
    for k, t in (('logits_full', logits_full), ('logits_padded', logits_pad)):
        _, raw = to_bytes(t, 'F32')
        logit_entries.append((k, 'F32', tuple(t.shape), raw))
    write(os.path.join(folder, 'expected.safetensors'), safetensors_bytes(logit_entries))
    sizes = {f: os.path.getsize(os.path.join(folder, f)) for f in sorted(os.listdir(folder))}
    print(name, 'tokenizer', n_tok, 'tokens;', sum(t.numel() for t in W.values()), 'parameters;', sizes)


def main():
    llama_specials = ['<|begin_of_text|>', '<|end_of_text|>', '<|start_header_id|>', '<|end_header_id|>',
                      '<|eot_id|>']
    llama_cfg = {
        'architectures': ['LlamaForCausalLM'], 'model_type': 'llama', 'hidden_size': 24,
        'intermediate_size': 40, 'num_hidden_layers': 2, 'num_attention_heads': 4,
        'num_key_value_heads': 2, 'head_dim': 16, 'hidden_act': 'silu',
        'max_position_embeddings': 512, 'rms_norm_eps': 1e-5, 'rope_theta': 10000.0,
        'rope_scaling': {'rope_type': 'llama3', 'factor': 8.0, 'low_freq_factor': 1.0,
                         'high_freq_factor': 4.0, 'original_max_position_embeddings': 32},
        'attention_bias': False, 'mlp_bias': False, 'tie_word_embeddings': False,
        'vocab_size': 336, 'torch_dtype': 'bfloat16',
    }
    make_fixture(
        'tiny-llama', llama_cfg,
        dict(pattern=LLAMA3_PATTERN, regex=LLAMA3_REGEX, specials=llama_specials, nfc=False,
             ignore_merges=True, n_merges=70),
        {'bos_token': '<|begin_of_text|>', 'eos_token': '<|eot_id|>', 'pad_token': None,
         'tokenizer_class': 'PreTrainedTokenizerFast', 'model_max_length': 512},
        LLAMA3_TEMPLATE, llama3_prompt, lambda k, t: 'BF16', 1,
        lambda ids: {'generation_config.json': {
            'bos_token_id': ids['<|begin_of_text|>'], 'eos_token_id': ids['<|eot_id|>']}},
    )
    qwen_specials = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']
    qwen_cfg = {
        'architectures': ['Qwen2ForCausalLM'], 'model_type': 'qwen2', 'hidden_size': 32,
        'intermediate_size': 48, 'num_hidden_layers': 2, 'num_attention_heads': 4,
        'num_key_value_heads': 2, 'hidden_act': 'silu',
        'max_position_embeddings': 512, 'rms_norm_eps': 1e-6, 'rope_theta': 1000000.0,
        'rope_scaling': None, 'tie_word_embeddings': True,
        'use_sliding_window': False, 'sliding_window': 512, 'max_window_layers': 2,
        'vocab_size': 352, 'torch_dtype': 'float16',
    }
    make_fixture(
        'tiny-qwen2', qwen_cfg,
        dict(pattern=QWEN2_PATTERN, regex=QWEN2_REGEX, specials=qwen_specials, nfc=True,
             ignore_merges=False, n_merges=70),
        {'bos_token': None, 'eos_token': '<|im_end|>', 'pad_token': '<|endoftext|>',
         'tokenizer_class': 'Qwen2Tokenizer', 'model_max_length': 512},
        QWEN2_TEMPLATE, qwen2_prompt, lambda k, t: 'F16' if t.dim() == 2 else 'F32', 2,
        lambda ids: {'generation_config.json': {
            'eos_token_id': [ids['<|im_end|>'], ids['<|endoftext|>']],
            'pad_token_id': ids['<|endoftext|>']}},
    )


if __name__ == '__main__':
    main()
