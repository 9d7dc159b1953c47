// GPT-2 small (124M parameters, float32) with a KV cache: greedy decoding of N_NEW tokens after a
// prompt. The weights come from examples/make_gpt2_weights.py (random, or a real checkpoint with
// --from-hf): HuggingFace GPT-2 names, each block's arrays stacked by load_npz's `*` into one tensor
// with a leading layer axis, indexed by the layer loop. Run from the repository root:
//     python examples/make_gpt2_weights.py && charlc run examples/gpt2.ch
// With QUANT = 8 or 4 the matmul weights (attention c_attn and c_proj, MLP c_fc and c_proj, the LM
// head wte) are quantized once after loading, to int8 (one scale per output channel of each layer) or
// int4 (one scale per 32 weights of an output channel), and the products run on the integer kernels
// (`qmatmul`: each row of activations quantized to int8 on the fly).

// Configuration: GPT-2 small. test/unit/test_gpt2.py substitutes these lines for a tiny model.
let N_LAYER = 12
let N_HEAD = 12
let D_MODEL = 768
let D_HEAD = 64 // D_MODEL / N_HEAD
let D_MLP = 3072 // 4 * D_MODEL
let D_QKV = 2304 // 3 * D_MODEL
let VOCAB = 50257
let CTX = 1024
let WEIGHTS = "examples/data/gpt2.npz"
let N_NEW = 128
let QUANT = 0 // the matmul weights: 0 float32, 8 int8, 4 int4 (a scale per 32 weights)
// "The quick brown fox jumps over the lazy dog. The quick brown fox jumps" in GPT-2's tokens.
let PROMPT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 383, 2068, 7586, 21831, 18045, 625]

// Causal self-attention at position t in layer l: `qkv` holds this position's query, key and value
// (N_HEAD heads each), the caches the keys and values of positions 0..t-1. Returns the attended
// values [D_MODEL] and this position's key and value [N_HEAD, D_HEAD].
fn attend(
    qkv: tensor<float32, [D_QKV]>,
    k_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>, v_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>,
    l: int32, t: int32,
) {
    let d_model = N_HEAD * D_HEAD
    let q = reshape(qkv[0:d_model], [N_HEAD, 1, D_HEAD])
    let k = reshape(qkv[d_model:2 * d_model], [N_HEAD, 1, D_HEAD])
    let v = reshape(qkv[2 * d_model:D_QKV], [N_HEAD, 1, D_HEAD])
    let keys = concat([k_cache[l, :, 0:t, :], k], axis: 1) // [N_HEAD, t + 1, D_HEAD]
    let values = concat([v_cache[l, :, 0:t, :], v], axis: 1)
    let scores = q @ transpose(keys, [0, 2, 1]) * (1.0 / sqrt(cast(D_HEAD, float32))) // [N_HEAD, 1, t + 1]
    let attended = softmax(scores, axis: -1) @ values // [N_HEAD, 1, D_HEAD]
    return (reshape(attended, [N_HEAD * D_HEAD]), reshape(k, [N_HEAD, D_HEAD]), reshape(v, [N_HEAD, D_HEAD]))
}

// One position through the model: the token's and position's embeddings, N_LAYER pre-LN blocks
// (causal self-attention over the cached positions 0..t-1 and this one, then a gelu MLP), the final
// layer norm and the LM head (the token embedding transposed). Returns the next token's logits and
// this position's keys and values, which the caller writes into the caches at position t.
fn step(
    wte: tensor<float32, [VOCAB, D_MODEL]>, wpe: tensor<float32, [CTX, D_MODEL]>,
    ln_1_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_1_b: tensor<float32, [N_LAYER, D_MODEL]>,
    attn_w: tensor<float32, [N_LAYER, D_MODEL, D_QKV]>, attn_b: tensor<float32, [N_LAYER, D_QKV]>,
    attn_proj_w: tensor<float32, [N_LAYER, D_MODEL, D_MODEL]>, attn_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_2_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_2_b: tensor<float32, [N_LAYER, D_MODEL]>,
    fc_w: tensor<float32, [N_LAYER, D_MODEL, D_MLP]>, fc_b: tensor<float32, [N_LAYER, D_MLP]>,
    mlp_proj_w: tensor<float32, [N_LAYER, D_MLP, D_MODEL]>, mlp_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_f_w: tensor<float32, [D_MODEL]>, ln_f_b: tensor<float32, [D_MODEL]>,
    k_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>, v_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>,
    token: int32, t: int32,
) -> (tensor<float32, [VOCAB]>, tensor<float32, [N_LAYER, N_HEAD, D_HEAD]>, tensor<float32, [N_LAYER, N_HEAD, D_HEAD]>) {
    let mut k_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut v_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut x = wte[token] + wpe[t]
    for l in 0..N_LAYER {
        let qkv = layer_norm(x, ln_1_w[l], ln_1_b[l]) @ attn_w[l] + attn_b[l]
        let (attended, k, v) = attend(qkv, k_cache, v_cache, l, t)
        k_new[l] = k
        v_new[l] = v
        x = x + attended @ attn_proj_w[l] + attn_proj_b[l]
        let hidden = gelu(layer_norm(x, ln_2_w[l], ln_2_b[l]) @ fc_w[l] + fc_b[l])
        x = x + hidden @ mlp_proj_w[l] + mlp_proj_b[l]
    }
    return (wte @ layer_norm(x, ln_f_w, ln_f_b), k_new, v_new)
}

// `step` on quantized matmul weights (QUANT = 8): each `[in, out]` weight of every layer stacked into
// `[N_LAYER * in, out]` int8 with a scale per layer and output channel (`[N_LAYER, out]`), the LM head
// as `[D_MODEL, VOCAB]` (wte transposed) with a scale per token.
fn step_int8(
    wte: tensor<float32, [VOCAB, D_MODEL]>, wpe: tensor<float32, [CTX, D_MODEL]>,
    ln_1_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_1_b: tensor<float32, [N_LAYER, D_MODEL]>,
    attn_q: tensor<int8, [LD, D_QKV]>, attn_s: tensor<float32, [N_LAYER, D_QKV]>, attn_b: tensor<float32, [N_LAYER, D_QKV]>,
    attn_proj_q: tensor<int8, [LD, D_MODEL]>, attn_proj_s: tensor<float32, [N_LAYER, D_MODEL]>,
    attn_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_2_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_2_b: tensor<float32, [N_LAYER, D_MODEL]>,
    fc_q: tensor<int8, [LD, D_MLP]>, fc_s: tensor<float32, [N_LAYER, D_MLP]>, fc_b: tensor<float32, [N_LAYER, D_MLP]>,
    mlp_proj_q: tensor<int8, [LM, D_MODEL]>, mlp_proj_s: tensor<float32, [N_LAYER, D_MODEL]>,
    mlp_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_f_w: tensor<float32, [D_MODEL]>, ln_f_b: tensor<float32, [D_MODEL]>,
    head_q: tensor<int8, [D_MODEL, VOCAB]>, head_s: tensor<float32, [VOCAB]>,
    k_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>, v_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>,
    token: int32, t: int32,
) {
    let mut k_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut v_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut x = wte[token] + wpe[t]
    for l in 0..N_LAYER {
        let a = l * D_MODEL // this layer's rows of the stacked weights
        let m = l * D_MLP
        let qkv = qmatmul(layer_norm(x, ln_1_w[l], ln_1_b[l]), attn_q[a:a + D_MODEL], attn_s[l]) + attn_b[l]
        let (attended, k, v) = attend(qkv, k_cache, v_cache, l, t)
        k_new[l] = k
        v_new[l] = v
        x = x + qmatmul(attended, attn_proj_q[a:a + D_MODEL], attn_proj_s[l]) + attn_proj_b[l]
        let hidden = gelu(qmatmul(layer_norm(x, ln_2_w[l], ln_2_b[l]), fc_q[a:a + D_MODEL], fc_s[l]) + fc_b[l])
        x = x + qmatmul(hidden, mlp_proj_q[m:m + D_MLP], mlp_proj_s[l]) + mlp_proj_b[l]
    }
    return (qmatmul(layer_norm(x, ln_f_w, ln_f_b), head_q, head_s), k_new, v_new)
}

// `step` on int4 weights (QUANT = 4), stacked as for int8, with a scale per 32 consecutive rows
// of an output channel (`[N_LAYER * in / 32, out]`).
fn step_int4(
    wte: tensor<float32, [VOCAB, D_MODEL]>, wpe: tensor<float32, [CTX, D_MODEL]>,
    ln_1_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_1_b: tensor<float32, [N_LAYER, D_MODEL]>,
    attn_q: tensor<int4, [LD, D_QKV]>, attn_s: tensor<float32, [LG, D_QKV]>, attn_b: tensor<float32, [N_LAYER, D_QKV]>,
    attn_proj_q: tensor<int4, [LD, D_MODEL]>, attn_proj_s: tensor<float32, [LG, D_MODEL]>,
    attn_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_2_w: tensor<float32, [N_LAYER, D_MODEL]>, ln_2_b: tensor<float32, [N_LAYER, D_MODEL]>,
    fc_q: tensor<int4, [LD, D_MLP]>, fc_s: tensor<float32, [LG, D_MLP]>, fc_b: tensor<float32, [N_LAYER, D_MLP]>,
    mlp_proj_q: tensor<int4, [LM, D_MODEL]>, mlp_proj_s: tensor<float32, [LMG, D_MODEL]>,
    mlp_proj_b: tensor<float32, [N_LAYER, D_MODEL]>,
    ln_f_w: tensor<float32, [D_MODEL]>, ln_f_b: tensor<float32, [D_MODEL]>,
    head_q: tensor<int4, [D_MODEL, VOCAB]>, head_s: tensor<float32, [HG, VOCAB]>,
    k_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>, v_cache: tensor<float32, [N_LAYER, N_HEAD, CTX, D_HEAD]>,
    token: int32, t: int32,
) {
    let mut k_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut v_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut x = wte[token] + wpe[t]
    for l in 0..N_LAYER {
        let a = l * D_MODEL // this layer's rows of the stacked weights, and of their scales
        let m = l * D_MLP
        let (ga, gm) = (a / 32, m / 32)
        let (na, nm) = (D_MODEL / 32, D_MLP / 32)
        let ln_1 = layer_norm(x, ln_1_w[l], ln_1_b[l])
        let qkv = qmatmul(ln_1, attn_q[a:a + D_MODEL], attn_s[ga:ga + na], group: 32) + attn_b[l]
        let (attended, k, v) = attend(qkv, k_cache, v_cache, l, t)
        k_new[l] = k
        v_new[l] = v
        x = x + qmatmul(attended, attn_proj_q[a:a + D_MODEL], attn_proj_s[ga:ga + na], group: 32) + attn_proj_b[l]
        let ln_2 = layer_norm(x, ln_2_w[l], ln_2_b[l])
        let hidden = gelu(qmatmul(ln_2, fc_q[a:a + D_MODEL], fc_s[ga:ga + na], group: 32) + fc_b[l])
        x = x + qmatmul(hidden, mlp_proj_q[m:m + D_MLP], mlp_proj_s[gm:gm + nm], group: 32) + mlp_proj_b[l]
    }
    return (qmatmul(layer_norm(x, ln_f_w, ln_f_b), head_q, head_s, group: 32), k_new, v_new)
}

let wte: tensor<float32, [VOCAB, D_MODEL]> = load_npz(WEIGHTS, "wte.weight")
let wpe: tensor<float32, [CTX, D_MODEL]> = load_npz(WEIGHTS, "wpe.weight")
let ln_1_w: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.ln_1.weight")
let ln_1_b: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.ln_1.bias")
let attn_w: tensor<float32, [N_LAYER, D_MODEL, D_QKV]> = load_npz(WEIGHTS, "h.*.attn.c_attn.weight")
let attn_b: tensor<float32, [N_LAYER, D_QKV]> = load_npz(WEIGHTS, "h.*.attn.c_attn.bias")
let attn_proj_w: tensor<float32, [N_LAYER, D_MODEL, D_MODEL]> = load_npz(WEIGHTS, "h.*.attn.c_proj.weight")
let attn_proj_b: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.attn.c_proj.bias")
let ln_2_w: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.ln_2.weight")
let ln_2_b: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.ln_2.bias")
let fc_w: tensor<float32, [N_LAYER, D_MODEL, D_MLP]> = load_npz(WEIGHTS, "h.*.mlp.c_fc.weight")
let fc_b: tensor<float32, [N_LAYER, D_MLP]> = load_npz(WEIGHTS, "h.*.mlp.c_fc.bias")
let mlp_proj_w: tensor<float32, [N_LAYER, D_MLP, D_MODEL]> = load_npz(WEIGHTS, "h.*.mlp.c_proj.weight")
let mlp_proj_b: tensor<float32, [N_LAYER, D_MODEL]> = load_npz(WEIGHTS, "h.*.mlp.c_proj.bias")
let ln_f_w: tensor<float32, [D_MODEL]> = load_npz(WEIGHTS, "ln_f.weight")
let ln_f_b: tensor<float32, [D_MODEL]> = load_npz(WEIGHTS, "ln_f.bias")

// The matmul weights of QUANT = 8 or 4, each [N_LAYER * in, out]; the LM head is wte transposed.
let attn_rows = reshape(attn_w, [N_LAYER * D_MODEL, D_QKV])
let attn_proj_rows = reshape(attn_proj_w, [N_LAYER * D_MODEL, D_MODEL])
let fc_rows = reshape(fc_w, [N_LAYER * D_MODEL, D_MLP])
let mlp_proj_rows = reshape(mlp_proj_w, [N_LAYER * D_MLP, D_MODEL])

let n_prompt = cast(shape(PROMPT)[0], int32)
let mut k_cache = zeros([N_LAYER, N_HEAD, CTX, D_HEAD])
let mut v_cache = zeros([N_LAYER, N_HEAD, CTX, D_HEAD])
let mut generated = zeros([N_NEW], dtype: int32)

// Position t holds the prompt's token t, then the tokens generated so far: the logits of the last
// prompt position and of every new token give the next token (greedy: their argmax).
fn token_at(prompt: tensor<int32, [P]>, generated: tensor<int32, [N]>, t: int32) -> int32 {
    if t < P { return prompt[t] }
    return generated[t - P]
}

fn record(generated: tensor<int32, [N]>, logits: tensor<float32, [V]>, t: int32, n_prompt: int32) -> tensor<int32, [N]> {
    let mut out = generated
    if t >= n_prompt - 1 { out[t - n_prompt + 1] = argmax(logits) }
    return out
}

// The prompt, one position at a time, then greedy decoding (positions n_prompt .. n_prompt + N_NEW - 2).
let n_steps = n_prompt + N_NEW - 1
let start = clock()
let mut prompt_start = start // after the quantization, if any
let mut decode_start = start
if QUANT == 8 {
    let (attn_q, attn_s) = quantize_tensor(attn_rows, int8, axis: 1, group: D_MODEL)
    let (attn_proj_q, attn_proj_s) = quantize_tensor(attn_proj_rows, int8, axis: 1, group: D_MODEL)
    let (fc_q, fc_s) = quantize_tensor(fc_rows, int8, axis: 1, group: D_MODEL)
    let (mlp_proj_q, mlp_proj_s) = quantize_tensor(mlp_proj_rows, int8, axis: 1, group: D_MLP)
    let (head_q, head_s) = quantize_tensor(transpose(wte), int8, axis: 1)
    prompt_start = clock()
    for t in 0..n_steps {
        let (logits, k, v) = step_int8(wte, wpe, ln_1_w, ln_1_b, attn_q, attn_s, attn_b, attn_proj_q,
            attn_proj_s, attn_proj_b, ln_2_w, ln_2_b, fc_q, fc_s, fc_b, mlp_proj_q, mlp_proj_s, mlp_proj_b,
            ln_f_w, ln_f_b, head_q, head_s, k_cache, v_cache, token_at(PROMPT, generated, t), t)
        k_cache[:, :, t, :] = k
        v_cache[:, :, t, :] = v
        generated = record(generated, logits, t, n_prompt)
        if t == n_prompt - 1 { decode_start = clock() }
    }
} else if QUANT == 4 {
    let (attn_q, attn_s) = quantize_tensor(attn_rows, int4, axis: 1, group: 32)
    let (attn_proj_q, attn_proj_s) = quantize_tensor(attn_proj_rows, int4, axis: 1, group: 32)
    let (fc_q, fc_s) = quantize_tensor(fc_rows, int4, axis: 1, group: 32)
    let (mlp_proj_q, mlp_proj_s) = quantize_tensor(mlp_proj_rows, int4, axis: 1, group: 32)
    let (head_q, head_s) = quantize_tensor(transpose(wte), int4, axis: 1, group: 32)
    prompt_start = clock()
    for t in 0..n_steps {
        let (logits, k, v) = step_int4(wte, wpe, ln_1_w, ln_1_b, attn_q, attn_s, attn_b, attn_proj_q,
            attn_proj_s, attn_proj_b, ln_2_w, ln_2_b, fc_q, fc_s, fc_b, mlp_proj_q, mlp_proj_s, mlp_proj_b,
            ln_f_w, ln_f_b, head_q, head_s, k_cache, v_cache, token_at(PROMPT, generated, t), t)
        k_cache[:, :, t, :] = k
        v_cache[:, :, t, :] = v
        generated = record(generated, logits, t, n_prompt)
        if t == n_prompt - 1 { decode_start = clock() }
    }
} else {
    for t in 0..n_steps {
        let (logits, k, v) = step(wte, wpe, ln_1_w, ln_1_b, attn_w, attn_b, attn_proj_w, attn_proj_b,
            ln_2_w, ln_2_b, fc_w, fc_b, mlp_proj_w, mlp_proj_b, ln_f_w, ln_f_b, k_cache, v_cache,
            token_at(PROMPT, generated, t), t)
        k_cache[:, :, t, :] = k
        v_cache[:, :, t, :] = v
        generated = record(generated, logits, t, n_prompt)
        if t == n_prompt - 1 { decode_start = clock() }
    }
}
let decode_seconds = clock() - decode_start

print("prompt", PROMPT)
print("generated", generated)
print("prompt:", n_prompt, "positions in", decode_start - prompt_start, "s")
print("decode:", N_NEW - 1, "steps in", decode_seconds, "s,", cast(N_NEW - 1, float64) / decode_seconds, "tokens/s")
