// GPT-2 small (124M parameters, float32) with a KV cache: greedy decoding of N_NEW tokens after a
// prompt. The weights come from examples/make_gpt2_weights.py (random, or a real checkpoint with
// --from-hf): HuggingFace GPT-2 names, each block's arrays stacked by load_npz's `*` into one tensor
// with a leading layer axis, indexed by the layer loop. Run from the repository root:
//     python examples/make_gpt2_weights.py && charlc run examples/gpt2.ch

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
// "The quick brown fox jumps over the lazy dog. The quick brown fox jumps" in GPT-2's tokens.
let PROMPT = [464, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13, 383, 2068, 7586, 21831, 18045, 625]

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
    let scale = 1.0 / sqrt(cast(D_HEAD, float32))
    let mut k_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut v_new = zeros([N_LAYER, N_HEAD, D_HEAD])
    let mut x = wte[token] + wpe[t]
    for l in 0..N_LAYER {
        let qkv = layer_norm(x, ln_1_w[l], ln_1_b[l]) @ attn_w[l] + attn_b[l]
        let q = reshape(qkv[0:D_MODEL], [N_HEAD, 1, D_HEAD])
        let k = reshape(qkv[D_MODEL:2 * D_MODEL], [N_HEAD, 1, D_HEAD])
        let v = reshape(qkv[2 * D_MODEL:D_QKV], [N_HEAD, 1, D_HEAD])
        k_new[l] = reshape(k, [N_HEAD, D_HEAD])
        v_new[l] = reshape(v, [N_HEAD, D_HEAD])
        let keys = concat([k_cache[l, :, 0:t, :], k], axis: 1) // [N_HEAD, t + 1, D_HEAD]
        let values = concat([v_cache[l, :, 0:t, :], v], axis: 1)
        let scores = q @ transpose(keys, [0, 2, 1]) * scale // [N_HEAD, 1, t + 1]
        let attended = softmax(scores, axis: -1) @ values // [N_HEAD, 1, D_HEAD]
        x = x + reshape(attended, [D_MODEL]) @ attn_proj_w[l] + attn_proj_b[l]
        let hidden = gelu(layer_norm(x, ln_2_w[l], ln_2_b[l]) @ fc_w[l] + fc_b[l])
        x = x + hidden @ mlp_proj_w[l] + mlp_proj_b[l]
    }
    return (wte @ layer_norm(x, ln_f_w, ln_f_b), k_new, v_new)
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

let n_prompt = cast(shape(PROMPT)[0], int32)
let mut k_cache = zeros([N_LAYER, N_HEAD, CTX, D_HEAD])
let mut v_cache = zeros([N_LAYER, N_HEAD, CTX, D_HEAD])
let mut logits = zeros([VOCAB])

// The prompt, one position at a time (its last position's logits give the first new token).
let start = clock()
for t in 0..n_prompt {
    let (next, k, v) = step(wte, wpe, ln_1_w, ln_1_b, attn_w, attn_b, attn_proj_w, attn_proj_b,
        ln_2_w, ln_2_b, fc_w, fc_b, mlp_proj_w, mlp_proj_b, ln_f_w, ln_f_b, k_cache, v_cache, PROMPT[t], t)
    k_cache[:, :, t, :] = k
    v_cache[:, :, t, :] = v
    logits = next
}
let prompt_seconds = clock() - start

// Greedy decoding: each new token is the argmax of the logits, fed back at the next position.
let mut generated = zeros([N_NEW], dtype: int32)
let decode_start = clock()
for i in 0..N_NEW {
    generated[i] = argmax(logits)
    if i < N_NEW - 1 {
        let t = n_prompt + i
        let (next, k, v) = step(wte, wpe, ln_1_w, ln_1_b, attn_w, attn_b, attn_proj_w, attn_proj_b,
            ln_2_w, ln_2_b, fc_w, fc_b, mlp_proj_w, mlp_proj_b, ln_f_w, ln_f_b, k_cache, v_cache, generated[i], t)
        k_cache[:, :, t, :] = k
        v_cache[:, :, t, :] = v
        logits = next
    }
}
let decode_seconds = clock() - decode_start

print("prompt", PROMPT)
print("generated", generated)
print("prompt:", n_prompt, "positions in", prompt_seconds, "s")
print("decode:", N_NEW - 1, "steps in", decode_seconds, "s,", cast(N_NEW - 1, float64) / decode_seconds, "tokens/s")
