# cython: language_level=3
"""One training epoch of a dense ReLU network with softmax heads and Adam, in C.

The network (what ``symfast.nn.EmbeddingClassifier`` trains when its hidden layers are
ReLU and it has no batch normalisation):

    a_0 = x (already standardised),   a_{i+1} = act(a_i W_i^T + b_i)   for i < L,
    z_h = a_L V_h^T + c_h             (one head per label column),
    loss = sum_h mean_batch CE(z_h, y_h) + sum_i l2_i |W_i|^2,

where act is ReLU, except on the last trunk layer (the embedding) when ``relu_last`` is
false.  Every step is one minibatch of the given order; the gradient is written out
layer by layer (single-precision BLAS for the products, loops for the rest) and Adam
updates the weights with torch's formulas (``torch.optim.Adam``, L2 ``weight_decay``
added to the gradient).

Why: for networks this small (an 80-wide MLP on batches of 128), a torch step spends
most of its time in per-operator dispatch and autograd bookkeeping, not in arithmetic.

Layout of ``params`` (and of ``grad``, ``exp_avg``, ``exp_avg_sq``), torch's
``named_parameters`` order: W_0 (w_1 x w_0, row-major), b_0, ..., W_{L-1}, b_{L-1},
then V_0 (k_0 x w_L), c_0, V_1, c_1, ...

Prior validation assumed: every array C-contiguous and of the sizes above, codes[r, h]
in [0, n_classes[h]), order a permutation of some rows of X, batch_size >= 1.
"""

cimport cython
from libc.math cimport exp, log, pow, sqrt, sqrtf
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset
from scipy.linalg.cython_blas cimport sgemm

cdef extern from *:
    """
    /* Flush-to-zero and denormals-are-zero for the calling thread, restored after: Adam's
       first moment of a weight whose gradient stays 0 (a dead ReLU) decays by beta1 each
       step into the subnormal range within a few epochs, where every SSE operation on it
       costs ~100 cycles (measured: epochs went from 25 to 60 ms).  A subnormal moment
       moves a weight by < 1e-30, so flushing it changes nothing that float32 can hold. */
    #if defined(__SSE__) || defined(_M_X64)
    #include <xmmintrin.h>
    static unsigned int symfast_ftz_on(void) {
        unsigned int old = _mm_getcsr();
        _mm_setcsr(old | 0x8040);
        return old;
    }
    static void symfast_ftz_restore(unsigned int old) { _mm_setcsr(old); }
    #else
    static unsigned int symfast_ftz_on(void) { return 0; }
    static void symfast_ftz_restore(unsigned int old) { (void)old; }
    #endif
    """
    unsigned int symfast_ftz_on() noexcept nogil
    void symfast_ftz_restore(unsigned int old) noexcept nogil


cdef inline void _gemm(char ta, char tb, int m, int n, int k, float* a, int lda, float* b,
                       int ldb, float beta, float* c, int ldc) noexcept nogil:
    """Column-major C (m x n) = op(A) op(B) + beta C, alpha 1 (BLAS sgemm)."""
    cdef float one = 1.0
    sgemm(&ta, &tb, &m, &n, &k, &one, a, &lda, b, &ldb, &beta, c, &ldc)


cdef inline void _colsum(const float* a, Py_ssize_t rows, Py_ssize_t cols,
                         float* out) noexcept nogil:
    """out (cols) = the column sums of a (rows x cols, row-major), row by row so that the
    inner loop runs along memory."""
    cdef Py_ssize_t r, j
    memset(out, 0, cols * sizeof(float))
    for r in range(rows):
        for j in range(cols):
            out[j] += a[r * cols + j]


def train_epoch(const float[:, ::1] X, const int64_t[:, ::1] codes,
                const int64_t[::1] order, Py_ssize_t batch_size,
                const int64_t[::1] widths, const int64_t[::1] n_classes, bint relu_last,
                float[::1] params, float[::1] exp_avg, float[::1] exp_avg_sq,
                const float[::1] layer_l2, double lr, double beta1, double beta2,
                double eps, double weight_decay, int64_t step):
    """Train on the rows ``order`` of X in minibatches of ``batch_size``, in place.

    Parameters
    ----------
    X : float32 array of shape (n, w_0)
        Standardised inputs.
    codes : int64 array of shape (n, n_heads)
        Class index of each row for each head.
    order : int64 array of shape (m,)
        Rows to visit, in order; step s trains on order[s * batch_size:(s + 1) * batch_size].
    widths : int64 array of shape (L + 1,)
        w_0 (inputs), the hidden widths, w_L (the embedding).
    n_classes : int64 array of shape (n_heads,)
    relu_last : bool
        Whether the embedding layer has the ReLU.
    params, exp_avg, exp_avg_sq : float32 arrays of shape (P,)
        Weights and Adam's moments, updated in place.
    layer_l2 : float32 array of shape (L,)
        L2 coefficient of each trunk weight matrix (0 for none).
    lr, beta1, beta2, eps, weight_decay : float
        Adam's settings (torch's meaning).
    step : int
        Adam steps taken before this epoch.

    Returns
    -------
    loss_sum : float
        Sum over steps of the batch loss times the batch's row count.
    step : int
        Adam steps taken after this epoch.
    """
    cdef Py_ssize_t n_rows = order.shape[0], L = widths.shape[0] - 1
    cdef Py_ssize_t H = n_classes.shape[0], P = params.shape[0]
    cdef Py_ssize_t i, h, r, j, start, B, off, wmax = 0, kmax = 0, act_size = 0
    cdef Py_ssize_t w_in, w_out, k
    cdef int64_t y
    cdef double loss_sum = 0.0, batch_loss, bc1, bc2_sqrt, step_size, l2sum
    cdef float fbc2, fstep, zmax, zy, s, inv_b, g, denom, b1 = beta1, b2 = beta2, wd = weight_decay
    cdef float ceps = eps, c1 = 1.0 - beta1, c2 = 1.0 - beta2
    for i in range(L + 1):
        wmax = max(wmax, <Py_ssize_t>widths[i])
        act_size += widths[i]
    for h in range(H):
        kmax = max(kmax, <Py_ssize_t>n_classes[h])
    # a_0 .. a_L back to back (each batch_size x w_i), two delta buffers, the logits
    cdef float* acts = <float*>malloc(batch_size * act_size * sizeof(float))
    cdef float* d_out = <float*>malloc(batch_size * wmax * sizeof(float))
    cdef float* d_in = <float*>malloc(batch_size * wmax * sizeof(float))
    cdef float* z = <float*>malloc(batch_size * kmax * sizeof(float))
    cdef float* grad = <float*>malloc(P * sizeof(float))
    cdef Py_ssize_t* act_off = <Py_ssize_t*>malloc((L + 1) * sizeof(Py_ssize_t))
    cdef Py_ssize_t* w_off = <Py_ssize_t*>malloc((L + H) * sizeof(Py_ssize_t))
    cdef float* tmp
    cdef float* bias
    if (acts == NULL or d_out == NULL or d_in == NULL or z == NULL or grad == NULL
            or act_off == NULL or w_off == NULL):
        free(acts); free(d_out); free(d_in); free(z); free(grad); free(act_off); free(w_off)
        raise MemoryError("train_epoch: cannot allocate the work buffers")
    cdef float* p = &params[0]
    cdef float* m1 = &exp_avg[0]
    cdef float* m2 = &exp_avg_sq[0]
    cdef unsigned int csr
    with nogil:
        csr = symfast_ftz_on()
        off = 0
        for i in range(L + 1):
            act_off[i] = off * batch_size
            off += widths[i]
        off = 0                                     # where each weight matrix starts
        for i in range(L):
            w_off[i] = off
            off += widths[i + 1] * widths[i] + widths[i + 1]
        for h in range(H):
            w_off[L + h] = off
            off += n_classes[h] * widths[L] + n_classes[h]
        start = 0
        while start < n_rows:
            B = min(batch_size, n_rows - start)
            inv_b = 1.0 / B
            # ---- forward ----
            w_in = widths[0]
            for r in range(B):
                for j in range(w_in):
                    acts[r * w_in + j] = X[order[start + r], j]
            for i in range(L):
                w_in = widths[i]
                w_out = widths[i + 1]
                # a_{i+1} (B x w_out, row-major) = a_i W_i^T: column-major W_i^T a_i^T
                _gemm(b'T', b'N', <int>w_out, <int>B, <int>w_in, p + w_off[i], <int>w_in,
                      acts + act_off[i], <int>w_in, 0.0, acts + act_off[i + 1], <int>w_out)
                tmp = acts + act_off[i + 1]
                bias = p + w_off[i] + w_out * w_in
                if i < L - 1 or relu_last:
                    for r in range(B):
                        for j in range(w_out):
                            s = tmp[r * w_out + j] + bias[j]
                            tmp[r * w_out + j] = s if s > 0 else 0
                else:
                    for r in range(B):
                        for j in range(w_out):
                            tmp[r * w_out + j] += bias[j]
            # ---- heads: softmax cross-entropy, d loss / d logits into z ----
            batch_loss = 0.0
            w_in = widths[L]
            for h in range(H):
                k = n_classes[h]
                _gemm(b'T', b'N', <int>k, <int>B, <int>w_in, p + w_off[L + h], <int>w_in,
                      acts + act_off[L], <int>w_in, 0.0, z, <int>k)
                for r in range(B):
                    zmax = -1e38
                    for j in range(k):
                        z[r * k + j] += p[w_off[L + h] + k * w_in + j]
                        if z[r * k + j] > zmax:
                            zmax = z[r * k + j]
                    y = codes[order[start + r], h]
                    zy = z[r * k + y] - zmax
                    s = 0
                    for j in range(k):
                        z[r * k + j] = exp(z[r * k + j] - zmax)
                        s += z[r * k + j]
                    batch_loss += (log(s) - zy) * inv_b
                    for j in range(k):
                        z[r * k + j] = z[r * k + j] / s * inv_b
                    z[r * k + y] -= inv_b
                # dV_h (k x w_in) = dz^T a_L: column-major a_L^T dz
                _gemm(b'N', b'T', <int>w_in, <int>k, <int>B, acts + act_off[L], <int>w_in,
                      z, <int>k, 0.0, grad + w_off[L + h], <int>w_in)
                _colsum(z, B, k, grad + w_off[L + h] + k * w_in)
                # d a_L (B x w_in) (+)= dz V_h
                _gemm(b'N', b'N', <int>w_in, <int>B, <int>k, p + w_off[L + h], <int>w_in,
                      z, <int>k, 0.0 if h == 0 else 1.0, d_out, <int>w_in)
            # ---- trunk, last layer first ----
            for i in range(L - 1, -1, -1):
                w_in = widths[i]
                w_out = widths[i + 1]
                tmp = acts + act_off[i + 1]
                if i < L - 1 or relu_last:                 # through the ReLU
                    for r in range(B * w_out):     # branch-free: the sign is a coin toss
                        d_out[r] = d_out[r] if tmp[r] > 0 else 0
                _gemm(b'N', b'T', <int>w_in, <int>w_out, <int>B, acts + act_off[i], <int>w_in,
                      d_out, <int>w_out, 0.0, grad + w_off[i], <int>w_in)
                _colsum(d_out, B, w_out, grad + w_off[i] + w_out * w_in)
                if layer_l2[i] != 0:
                    l2sum = 0.0
                    for r in range(w_out * w_in):
                        l2sum += p[w_off[i] + r] * p[w_off[i] + r]
                        grad[w_off[i] + r] += 2 * layer_l2[i] * p[w_off[i] + r]
                    batch_loss += layer_l2[i] * l2sum
                if i > 0:
                    _gemm(b'N', b'N', <int>w_in, <int>B, <int>w_out, p + w_off[i], <int>w_in,
                          d_out, <int>w_out, 0.0, d_in, <int>w_in)
                    tmp = d_out
                    d_out = d_in
                    d_in = tmp
            loss_sum += batch_loss * B
            # ---- Adam (torch's formulas) ----
            step += 1
            bc1 = 1.0 - pow(beta1, <double>step)
            bc2_sqrt = sqrt(1.0 - pow(beta2, <double>step))
            step_size = lr / bc1
            fbc2 = <float>bc2_sqrt
            fstep = <float>step_size
            if wd != 0:
                for j in range(P):
                    grad[j] = grad[j] + wd * p[j]
            for j in range(P):
                g = grad[j]
                m1[j] = m1[j] + c1 * (g - m1[j])
                m2[j] = m2[j] * b2 + c2 * g * g
                denom = sqrtf(m2[j]) / fbc2 + ceps
                p[j] = p[j] - fstep * (m1[j] / denom)
            start += B
        symfast_ftz_restore(csr)
    free(acts); free(d_out); free(d_in); free(z); free(grad); free(act_off); free(w_off)
    return loss_sum, step
