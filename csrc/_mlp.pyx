# cython: language_level=3
"""One training epoch of a dense ReLU network with softmax heads and Adam, in C.

The network (what ``symfast.nn.EmbeddingClassifier`` trains when its hidden layers are
ReLU):

    a_0 = x (already standardised),   a_{i+1} = BN_i(act(a_i W_i^T + b_i))   for i < L,
    z_h = a_L V_h^T + c_h             (one head per label column),
    loss = sum_h mean_batch CE(z_h, y_h) + sum_i l2_i |W_i|^2,

where act is ReLU, except on the last trunk layer (the embedding) when ``relu_last`` is
false, and BN_i is the identity unless ``bn[i]``: then torch's ``BatchNorm1d`` in training
mode (the batch's mean and biased variance normalise, gamma_i and beta_i scale and shift,
the running mean and unbiased variance move by ``bn_momentum``).  Every step is one minibatch of the given order; the gradient is written out
layer by layer (single-precision BLAS for the products, loops for the rest) and Adam
updates the weights with torch's formulas (``torch.optim.Adam``, L2 ``weight_decay``
added to the gradient).

Why: for networks this small (an 80-wide MLP on batches of 128), a torch step spends
most of its time in per-operator dispatch and autograd bookkeeping, not in arithmetic.

Layout of ``params`` (and of ``grad``, ``exp_avg``, ``exp_avg_sq``), torch's
``named_parameters`` order: W_0 (w_1 x w_0, row-major), b_0[, gamma_0, beta_0], ...,
W_{L-1}, b_{L-1}[, gamma_{L-1}, beta_{L-1}], then V_0 (k_0 x w_L), c_0, V_1, c_1, ...
(gamma_i and beta_i where ``bn[i]``).

Prior validation assumed: every array C-contiguous and of the sizes above, codes[r, h]
in [0, n_classes[h]), order a permutation of some rows of X, batch_size >= 1.
"""

cimport cython
from libc.math cimport exp, log, sqrt, sqrtf
from libc.stdint cimport int64_t
from libc.stdlib cimport free, malloc
from libc.string cimport memcpy, memset
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


# The three products of a dense layer W (n_out x n_in, row-major) on a batch of B rows, all
# row-major; BLAS is column-major, where a row-major matrix is its own transpose.

cdef inline void _forward(float* a, float* W, Py_ssize_t B, Py_ssize_t n_in,
                          Py_ssize_t n_out, float* y) noexcept nogil:
    """y (B x n_out) = a (B x n_in) W^T."""
    _gemm(b'T', b'N', <int>n_out, <int>B, <int>n_in, W, <int>n_in, a, <int>n_in, 0.0, y,
          <int>n_out)


cdef inline void _grad_w(float* a, float* d, Py_ssize_t B, Py_ssize_t n_in,
                         Py_ssize_t n_out, float* gW) noexcept nogil:
    """gW (n_out x n_in) = d^T (n_out x B) a (B x n_in)."""
    _gemm(b'N', b'T', <int>n_in, <int>n_out, <int>B, a, <int>n_in, d, <int>n_out, 0.0, gW,
          <int>n_in)


cdef inline void _backward(float* d, float* W, Py_ssize_t B, Py_ssize_t n_in,
                           Py_ssize_t n_out, float beta, float* da) noexcept nogil:
    """da (B x n_in) = d (B x n_out) W + beta da."""
    _gemm(b'N', b'N', <int>n_in, <int>B, <int>n_out, W, <int>n_in, d, <int>n_out, beta, da,
          <int>n_in)


cdef inline void _add_bias(float* y, const float* b, Py_ssize_t B, Py_ssize_t n,
                           bint relu) noexcept nogil:
    """y (B x n) += b row by row, then max(y, 0) when ``relu``."""
    cdef Py_ssize_t r, j
    cdef float v
    if relu:
        for r in range(B):
            for j in range(n):
                v = y[r * n + j] + b[j]
                y[r * n + j] = v if v > 0 else 0
    else:
        for r in range(B):
            for j in range(n):
                y[r * n + j] += b[j]


cdef inline void _relu_mask(float* d, const float* y, Py_ssize_t size) noexcept nogil:
    """d *= (y > 0), branch-free: whether a unit is active is a coin toss that a branch
    predictor loses half the time (measured: 361 against 218 us a step)."""
    cdef Py_ssize_t r
    for r in range(size):
        d[r] = d[r] if y[r] > 0 else 0


cdef inline void _gather(const float* X, Py_ssize_t n_cols, const int64_t* rows,
                         Py_ssize_t B, float* out) noexcept nogil:
    """out (B x n_cols) = the rows ``rows[0..B)`` of X (row-major, n_cols wide): a batch."""
    cdef Py_ssize_t r, j
    cdef const float* src
    for r in range(B):
        src = X + rows[r] * n_cols
        for j in range(n_cols):
            out[r * n_cols + j] = src[j]


cdef inline void _colsum(const float* a, Py_ssize_t rows, Py_ssize_t cols,
                         float* out) noexcept nogil:
    """out (cols) = the column sums of a (rows x cols, row-major), row by row so that the
    inner loop runs along memory."""
    cdef Py_ssize_t r, j
    memset(out, 0, cols * sizeof(float))
    for r in range(rows):
        for j in range(cols):
            out[j] += a[r * cols + j]


cdef void _bn_forward(const float* a, Py_ssize_t B, Py_ssize_t n, const float* gb,
                      float* xhat, float* inv_std, float* run, double momentum, double eps,
                      double* col, float* out) noexcept nogil:
    """Batch normalisation in training mode of a (B x n, row-major): xhat = (a - mean) /
    sqrt(var + eps) over the batch (biased variance), out = gamma xhat + beta (``gb``: gamma
    then beta, n each); the running mean and unbiased variance (``run``: n each) move by
    ``momentum``.  Two passes in double: the mean, then the squared deviations."""
    cdef Py_ssize_t r, j
    cdef double* mean = col
    cdef double* var = col + n
    cdef double m
    memset(col, 0, 2 * n * sizeof(double))
    for r in range(B):
        for j in range(n):
            mean[j] += a[r * n + j]
    for j in range(n):
        mean[j] /= B
    for r in range(B):
        for j in range(n):
            m = a[r * n + j] - mean[j]
            var[j] += m * m
    for j in range(n):
        var[j] /= B
        inv_std[j] = <float>(1.0 / sqrt(var[j] + eps))
        run[j] = <float>((1.0 - momentum) * run[j] + momentum * mean[j])
        run[n + j] = <float>((1.0 - momentum) * run[n + j] + momentum * var[j] * B / (B - 1))
    for r in range(B):
        for j in range(n):
            xhat[r * n + j] = <float>(a[r * n + j] - mean[j]) * inv_std[j]
            out[r * n + j] = gb[j] * xhat[r * n + j] + gb[n + j]


cdef void _bn_backward(float* d, Py_ssize_t B, Py_ssize_t n, const float* gb,
                       const float* xhat, const float* inv_std, double* col,
                       float* g_gb) noexcept nogil:
    """Through :func:`_bn_forward`: d (B x n) holds d loss / d out and becomes d loss / d a;
    ``g_gb`` receives the gradients of gamma and beta.

    d a = gamma / std * (d - mean_batch(d) - xhat * mean_batch(d * xhat))."""
    cdef Py_ssize_t r, j
    cdef double* s_d = col
    cdef double* s_dx = col + n
    cdef float c1, c2, sc
    memset(col, 0, 2 * n * sizeof(double))
    for r in range(B):
        for j in range(n):
            s_d[j] += d[r * n + j]
            s_dx[j] += d[r * n + j] * xhat[r * n + j]
    for j in range(n):
        g_gb[j] = <float>s_dx[j]
        g_gb[n + j] = <float>s_d[j]
    for j in range(n):
        s_d[j] /= B
        s_dx[j] /= B
    for r in range(B):
        for j in range(n):
            sc = gb[j] * inv_std[j]
            c1 = <float>s_d[j]
            c2 = <float>s_dx[j]
            d[r * n + j] = sc * (d[r * n + j] - c1 - xhat[r * n + j] * c2)


cdef struct _Dense:
    # A dense trunk with softmax heads (train_epoch's network) and its work buffers: what
    # one training step reads.  The pointers into the caller's arrays are not owned.
    Py_ssize_t L, H, batch_size
    const int64_t* widths
    const int64_t* n_classes
    const float* layer_l2           # NULL: no layer L2
    const int64_t* bn               # NULL: no norms
    float* run                      # running statistics of the norms (NULL without)
    bint relu_last, any_bn
    double bn_momentum, bn_eps
    float* acts                     # a_0 .. a_L back to back (each batch_size x w_i)
    float* d_out                    # two delta buffers
    float* d_in
    float* z                        # the logits
    float* bn_buf                   # per norm: activation before it, xhat, 1/std
    double* col                     # column sums in double
    Py_ssize_t* act_off
    Py_ssize_t* w_off
    Py_ssize_t* bn_off
    Py_ssize_t* run_off


cdef void _dense_free(_Dense* net) noexcept:
    free(net.acts); free(net.d_out); free(net.d_in); free(net.z); free(net.bn_buf)
    free(net.col); free(net.act_off); free(net.w_off); free(net.bn_off); free(net.run_off)


cdef int _dense_init(_Dense* net, const int64_t[::1] widths, const int64_t[::1] n_classes,
                     bint relu_last, const float* layer_l2, const int64_t* bn, float* run,
                     double bn_momentum, double bn_eps, Py_ssize_t batch_size,
                     Py_ssize_t n_inputs, Py_ssize_t n_code_columns,
                     Py_ssize_t n_params) except -1:
    """Check the layout against the arrays and allocate the work buffers (MemoryError if
    they cannot be)."""
    cdef Py_ssize_t L = widths.shape[0] - 1, H = n_classes.shape[0], i, h, off
    cdef Py_ssize_t wmax = 0, kmax = 0, act_size = 0, bn_size = 0, run_size = 0
    if L < 0 or H < 1 or batch_size < 1:
        raise ValueError("widths, n_classes and batch_size must describe a network")
    if widths[0] != n_inputs or n_code_columns != H:
        raise ValueError(f"the inputs ({n_inputs} columns) and codes ({n_code_columns}) must "
                         f"match widths[0] = {widths[0]} and the {H} heads")
    for i in range(L + 1):
        wmax = max(wmax, <Py_ssize_t>widths[i])
        act_size += widths[i]
    for h in range(H):
        kmax = max(kmax, <Py_ssize_t>n_classes[h])
    memset(net, 0, sizeof(_Dense))
    net.L, net.H, net.batch_size = L, H, batch_size
    net.widths, net.n_classes = &widths[0], &n_classes[0]
    net.layer_l2, net.bn, net.run = layer_l2, bn, run
    net.relu_last, net.bn_momentum, net.bn_eps = relu_last, bn_momentum, bn_eps
    net.act_off = <Py_ssize_t*>malloc((L + 1) * sizeof(Py_ssize_t))
    net.w_off = <Py_ssize_t*>malloc((L + H) * sizeof(Py_ssize_t))
    net.bn_off = <Py_ssize_t*>malloc((L + 1) * sizeof(Py_ssize_t))
    net.run_off = <Py_ssize_t*>malloc((L + 1) * sizeof(Py_ssize_t))
    if (net.act_off == NULL or net.w_off == NULL or net.bn_off == NULL
            or net.run_off == NULL):
        _dense_free(net)
        raise MemoryError("cannot allocate the network's layout")
    off = 0
    for i in range(L + 1):
        net.act_off[i] = off * batch_size
        off += widths[i]
    off = 0                                         # where each weight matrix starts
    for i in range(L):
        net.w_off[i] = off
        net.bn_off[i] = bn_size
        net.run_off[i] = run_size
        off += widths[i + 1] * widths[i] + widths[i + 1]
        if bn != NULL and bn[i]:
            net.any_bn = True
            off += 2 * widths[i + 1]                # the norm's gamma and beta
            bn_size += widths[i + 1] * (2 * batch_size + 1)
            run_size += 2 * widths[i + 1]
    for h in range(H):
        net.w_off[L + h] = off
        off += n_classes[h] * widths[L] + n_classes[h]
    if off != n_params:
        _dense_free(net)
        raise ValueError(f"params must hold {off} values for this network, got {n_params}")
    net.acts = <float*>malloc(batch_size * act_size * sizeof(float))
    net.d_out = <float*>malloc(batch_size * wmax * sizeof(float))
    net.d_in = <float*>malloc(batch_size * wmax * sizeof(float))
    net.z = <float*>malloc(batch_size * kmax * sizeof(float))
    net.bn_buf = <float*>malloc(max(bn_size, 1) * sizeof(float))
    net.col = <double*>malloc(2 * wmax * sizeof(double))
    if (net.acts == NULL or net.d_out == NULL or net.d_in == NULL or net.z == NULL
            or net.bn_buf == NULL or net.col == NULL):
        _dense_free(net)
        raise MemoryError("cannot allocate the training's work buffers")
    return 0


cdef double _dense_step(_Dense* net, const float* p, float* grad, const int64_t* codes,
                        const int64_t* rows, Py_ssize_t B, float* d_input) noexcept nogil:
    """Forward and backward of one batch whose inputs are in ``net.acts`` (B x w_0); the
    labels are ``codes[rows[r] * H + h]``.  Writes every gradient of the layout into
    ``grad`` (and d loss / d a_0 into ``d_input`` unless NULL); returns the batch loss."""
    cdef Py_ssize_t L = net.L, H = net.H, i, h, r, j, k, w_in, w_out
    cdef const int64_t* widths = net.widths
    cdef float* acts = net.acts
    cdef float* d_out = net.d_out
    cdef float* d_in = net.d_in
    cdef float* z = net.z
    cdef float* tmp
    cdef float zmax, zy, s, inv_b = 1.0 / B
    cdef double batch_loss = 0.0, l2sum
    cdef int64_t y
    cdef bint act, normed
    # ---- forward ----
    for i in range(L):
        w_in = widths[i]
        w_out = widths[i + 1]
        act = i < L - 1 or net.relu_last
        if net.bn != NULL and net.bn[i]:
            _forward(acts + net.act_off[i], <float*>p + net.w_off[i], B, w_in, w_out,
                     net.bn_buf + net.bn_off[i])
            _add_bias(net.bn_buf + net.bn_off[i], p + net.w_off[i] + w_out * w_in, B, w_out,
                      act)
            _bn_forward(net.bn_buf + net.bn_off[i], B, w_out,
                        p + net.w_off[i] + w_out * w_in + w_out,
                        net.bn_buf + net.bn_off[i] + B * w_out,
                        net.bn_buf + net.bn_off[i] + 2 * B * w_out,
                        net.run + net.run_off[i], net.bn_momentum, net.bn_eps, net.col,
                        acts + net.act_off[i + 1])
        else:
            _forward(acts + net.act_off[i], <float*>p + net.w_off[i], B, w_in, w_out,
                     acts + net.act_off[i + 1])
            _add_bias(acts + net.act_off[i + 1], p + net.w_off[i] + w_out * w_in, B, w_out,
                      act)
    # ---- heads: softmax cross-entropy, d loss / d logits into z ----
    w_in = widths[L]
    for h in range(H):
        k = net.n_classes[h]
        _forward(acts + net.act_off[L], <float*>p + net.w_off[L + h], B, w_in, k, z)
        for r in range(B):
            zmax = -1e38
            for j in range(k):
                z[r * k + j] += p[net.w_off[L + h] + k * w_in + j]
                if z[r * k + j] > zmax:
                    zmax = z[r * k + j]
            y = codes[rows[r] * H + h]
            zy = z[r * k + y] - zmax
            s = 0
            for j in range(k):
                z[r * k + j] = exp(z[r * k + j] - zmax)
                s += z[r * k + j]
            batch_loss += (log(s) - zy) * inv_b
            for j in range(k):
                z[r * k + j] = z[r * k + j] / s * inv_b
            z[r * k + y] -= inv_b
        _grad_w(acts + net.act_off[L], z, B, w_in, k, grad + net.w_off[L + h])
        _colsum(z, B, k, grad + net.w_off[L + h] + k * w_in)
        _backward(z, <float*>p + net.w_off[L + h], B, w_in, k, 0.0 if h == 0 else 1.0, d_out)
    # ---- trunk, last layer first ----
    for i in range(L - 1, -1, -1):
        w_in = widths[i]
        w_out = widths[i + 1]
        normed = net.bn != NULL and net.bn[i]
        if normed:                                          # through the norm
            _bn_backward(d_out, B, w_out, p + net.w_off[i] + w_out * w_in + w_out,
                         net.bn_buf + net.bn_off[i] + B * w_out,
                         net.bn_buf + net.bn_off[i] + 2 * B * w_out, net.col,
                         grad + net.w_off[i] + w_out * w_in + w_out)
        if i < L - 1 or net.relu_last:                     # through the ReLU
            _relu_mask(d_out, (net.bn_buf + net.bn_off[i]) if normed
                       else acts + net.act_off[i + 1], B * w_out)
        _grad_w(acts + net.act_off[i], d_out, B, w_in, w_out, grad + net.w_off[i])
        _colsum(d_out, B, w_out, grad + net.w_off[i] + w_out * w_in)
        if net.layer_l2 != NULL and net.layer_l2[i] != 0:
            l2sum = 0.0
            for r in range(w_out * w_in):
                l2sum += p[net.w_off[i] + r] * p[net.w_off[i] + r]
                grad[net.w_off[i] + r] += 2 * net.layer_l2[i] * p[net.w_off[i] + r]
            batch_loss += net.layer_l2[i] * l2sum
        if i > 0:
            _backward(d_out, <float*>p + net.w_off[i], B, w_in, w_out, 0.0, d_in)
            tmp = d_out
            d_out = d_in
            d_in = tmp
        elif d_input != NULL:
            _backward(d_out, <float*>p + net.w_off[i], B, w_in, w_out, 0.0, d_input)
    if L == 0 and d_input != NULL:                      # the heads read the inputs
        memcpy(d_input, d_out, B * w_in * sizeof(float))
    return batch_loss


cdef void _adam_step(float* p, float* grad, float* m1, float* m2, Py_ssize_t P,
                     double step_size, double bias2_sqrt, double beta1, double beta2,
                     double eps, double weight_decay) noexcept nogil:
    """One Adam update with torch's formulas (``torch.optim.Adam``, L2 ``weight_decay``
    added to the gradient).  ``step_size`` is lr / (1 - beta1^t) and ``bias2_sqrt``
    sqrt(1 - beta2^t) for the step t: ``symfast.nn._training.ADAM.scalars`` gives them."""
    cdef Py_ssize_t j
    cdef float g, denom, b2 = beta2, wd = weight_decay, ceps = eps
    cdef float c1 = 1.0 - beta1, c2 = 1.0 - beta2
    cdef float fbc2 = <float>bias2_sqrt
    cdef float fstep = <float>step_size
    if wd != 0:
        for j in range(P):
            grad[j] = grad[j] + wd * p[j]
    for j in range(P):
        g = grad[j]
        m1[j] = m1[j] + c1 * (g - m1[j])
        m2[j] = m2[j] * b2 + c2 * g * g
        denom = sqrtf(m2[j]) / fbc2 + ceps
        p[j] = p[j] - fstep * (m1[j] / denom)


def train_epoch(const float[:, ::1] X, const int64_t[:, ::1] codes,
                const int64_t[::1] order, Py_ssize_t batch_size,
                const int64_t[::1] widths, const int64_t[::1] n_classes, bint relu_last,
                float[::1] params, float[::1] exp_avg, float[::1] exp_avg_sq,
                const float[::1] layer_l2, double lr, double beta1, double beta2,
                double eps, double weight_decay, const double[::1] step_factor,
                const double[::1] bias2_sqrt,
                const int64_t[::1] bn, float[::1] running, double bn_momentum=0.1,
                double bn_eps=1e-5):
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
    step_factor, bias2_sqrt : float64 arrays of shape (>= ceil(m / batch_size),)
        1 / (1 - beta1^t) and sqrt(1 - beta2^t) for this epoch's steps in turn
        (``symfast.nn._training.ADAM.scalars``: the one definition of the schedule).
    bn : int64 array of shape (L,)
        1 where a batch normalisation follows layer i's activation, else 0.  With any,
        a last batch of one row is skipped (as torch's loop does: it cannot be normalised).
    running : float32 array
        The running mean then the running variance of each batch-normalised layer, in
        layer order (2 w_{i+1} values each), updated in place; may be empty without any.
    bn_momentum, bn_eps : float
        ``BatchNorm1d``'s momentum and eps.

    Returns
    -------
    loss_sum : float
        Sum over steps of the batch loss times the batch's row count.
    steps : int
        Adam steps taken in this epoch.
    """
    cdef Py_ssize_t n_rows = order.shape[0], start, B
    cdef double loss_sum = 0.0
    cdef int64_t steps = 0
    cdef _Dense net
    _check_schedule(n_rows, batch_size, step_factor, bias2_sqrt)
    if bn.shape[0] != widths.shape[0] - 1:
        raise ValueError(f"bn must hold {widths.shape[0] - 1} flags, got {bn.shape[0]}")
    if layer_l2.shape[0] != widths.shape[0] - 1:
        raise ValueError(f"layer_l2 must hold {widths.shape[0] - 1} values, got "
                         f"{layer_l2.shape[0]}")
    cdef Py_ssize_t run_size = 0, i
    for i in range(bn.shape[0]):
        if bn[i]:
            run_size += 2 * widths[i + 1]
    if running.shape[0] != run_size:
        raise ValueError(f"running must hold {run_size} values, got {running.shape[0]}")
    _dense_init(&net, widths, n_classes, relu_last, &layer_l2[0] if layer_l2.shape[0] else NULL,
                &bn[0] if bn.shape[0] else NULL, &running[0] if run_size else NULL,
                bn_momentum, bn_eps, batch_size, X.shape[1], codes.shape[1], params.shape[0])
    cdef float* grad = <float*>malloc(params.shape[0] * sizeof(float))
    if grad == NULL:
        _dense_free(&net)
        raise MemoryError("train_epoch: cannot allocate the work buffers")
    cdef unsigned int csr
    with nogil:
        csr = symfast_ftz_on()
        start = 0
        while start < n_rows:
            B = min(batch_size, n_rows - start)
            if net.any_bn and B < 2:
                start += B                  # one row cannot be normalised: torch skips it
                continue
            _gather(&X[0, 0], widths[0], &order[start], B, net.acts)
            loss_sum += B * _dense_step(&net, &params[0], grad, &codes[0, 0], &order[start],
                                        B, NULL)
            _adam_step(&params[0], grad, &exp_avg[0], &exp_avg_sq[0], params.shape[0],
                       lr * step_factor[steps], bias2_sqrt[steps], beta1, beta2, eps,
                       weight_decay)
            steps += 1
            start += B
        symfast_ftz_restore(csr)
    free(grad)
    _dense_free(&net)
    return loss_sum, steps


def _check_schedule(Py_ssize_t n_rows, Py_ssize_t batch_size, *schedules):
    """Each per-step array must hold a value for every step of the epoch."""
    if batch_size < 1:
        raise ValueError(f"batch_size must be at least 1, got {batch_size}")
    cdef Py_ssize_t need = (n_rows + batch_size - 1) // batch_size
    for arr in schedules:
        if arr.shape[0] < need:
            raise ValueError(f"the optimiser's per-step scalars cover {arr.shape[0]} steps; "
                             f"the epoch takes {need}")


def train_pattern_epoch(const float[:, ::1] counts, const int64_t[:, ::1] codes,
                        const int64_t[::1] order, Py_ssize_t batch_size,
                        const float[:, ::1] patterns, double scale,
                        const int64_t[::1] widths, const int64_t[::1] n_classes,
                        bint relu_last, float[::1] params, float[::1] exp_avg,
                        float[::1] exp_avg_sq, double lr, double beta1, double beta2,
                        double eps, double weight_decay, const double[::1] step_factor,
                        const double[::1] bias2_sqrt):
    """:func:`train_epoch` for a network whose first layer is a convolution over the
    patterns of a +-1 lattice, read from their counts (``symfast.nn.LatticeCNN`` on spins):

        A = relu(V W_c^T + b_c)                (patterns x filters, once per step),
        a_0 = scale * h A                      (h: a row of pattern counts),

    then the dense layers and heads of :func:`train_epoch` on a_0 (w_0 = filters).

    Parameters
    ----------
    counts : float32 array of shape (n, n_patterns)
        How often each pattern occurs in each input.
    patterns : float32 array of shape (n_patterns, q)
        The +-1 values of each pattern (q: the convolution's inputs per site).
    scale : float
        1 / sites (the convolution's spatial mean).
    params, exp_avg, exp_avg_sq : float32 arrays
        W_c (filters x q), b_c (filters), then :func:`train_epoch`'s layout.
    codes, order, batch_size, widths, n_classes, relu_last, lr, beta1, beta2, eps,
    weight_decay, step_factor, bias2_sqrt
        As for :func:`train_epoch` (no layer L2, no norms).

    Returns
    -------
    loss_sum, steps : as for :func:`train_epoch`.
    """
    cdef Py_ssize_t n_rows = order.shape[0], n_pat = patterns.shape[0], q = patterns.shape[1]
    cdef Py_ssize_t C = widths[0], conv = C * q + C, start, B, j
    cdef double loss_sum = 0.0
    cdef int64_t steps = 0
    cdef float fs = scale
    if counts.shape[1] != n_pat:
        raise ValueError(f"counts must have {n_pat} columns (one per pattern), got "
                         f"{counts.shape[1]}")
    if params.shape[0] <= conv:
        raise ValueError("params is too short for the convolution and the dense layers")
    _check_schedule(n_rows, batch_size, step_factor, bias2_sqrt)
    cdef _Dense net
    _dense_init(&net, widths, n_classes, relu_last, NULL, NULL, NULL, 0.1, 1e-5,
                batch_size, C, codes.shape[1], params.shape[0] - conv)
    cdef float* grad = <float*>malloc(params.shape[0] * sizeof(float))
    cdef float* A = <float*>malloc(n_pat * C * sizeof(float))
    cdef float* dA = <float*>malloc(n_pat * C * sizeof(float))
    cdef float* hb = <float*>malloc(batch_size * n_pat * sizeof(float))
    cdef float* d_a0 = <float*>malloc(batch_size * C * sizeof(float))
    if grad == NULL or A == NULL or dA == NULL or hb == NULL or d_a0 == NULL:
        free(grad); free(A); free(dA); free(hb); free(d_a0)
        _dense_free(&net)
        raise MemoryError("train_pattern_epoch: cannot allocate the work buffers")
    cdef float* p = &params[0]
    cdef unsigned int csr
    with nogil:
        csr = symfast_ftz_on()
        start = 0
        while start < n_rows:
            B = min(batch_size, n_rows - start)
            # A = relu(V W_c^T + b_c); a_0 = scale * h A
            _forward(<float*>&patterns[0, 0], p, n_pat, q, C, A)
            _add_bias(A, p + C * q, n_pat, C, True)
            _gather(&counts[0, 0], n_pat, &order[start], B, hb)
            _backward(hb, A, B, C, n_pat, 0.0, net.acts)
            for j in range(B * C):
                net.acts[j] *= fs
            loss_sum += B * _dense_step(&net, p + conv, grad + conv, &codes[0, 0],
                                        &order[start], B, d_a0)
            # d A = scale * h^T d a_0, through the ReLU, to W_c and b_c
            _grad_w(d_a0, hb, B, C, n_pat, dA)
            for j in range(n_pat * C):
                dA[j] *= fs
            _relu_mask(dA, A, n_pat * C)
            _grad_w(<float*>&patterns[0, 0], dA, n_pat, q, C, grad)
            _colsum(dA, n_pat, C, grad + C * q)
            _adam_step(p, grad, &exp_avg[0], &exp_avg_sq[0], params.shape[0],
                       lr * step_factor[steps], bias2_sqrt[steps], beta1, beta2, eps,
                       weight_decay)
            steps += 1
            start += B
        symfast_ftz_restore(csr)
    free(grad); free(A); free(dA); free(hb); free(d_a0)
    _dense_free(&net)
    return loss_sum, steps


def train_ae_epoch(const float[:, ::1] X, const float[::1] target, const int64_t[::1] order,
                   Py_ssize_t batch_size, Py_ssize_t hidden, Py_ssize_t latent,
                   double target_weight, float[::1] params, float[::1] exp_avg,
                   float[::1] exp_avg_sq, double lr, double beta1, double beta2, double eps,
                   const double[::1] grad_factor, const double[::1] avg_factor,
                   const double[::1] bias2):
    """One epoch of the task-constrained autoencoder under NAdam, in place.

    The network (``symfast.nn.TaskAutoencoder``), x of width N, H = ``hidden``,
    K = ``latent``:

        h1 = relu(x W1^T + b1),  z = h1 W2^T + b2          (encoder)
        e = z We^T + be                                      (linear target head)
        h2 = relu(z W3^T + b3),  r = h2 W4^T + b4            (decoder)
        loss = target_weight * mean_b (e - t)^2 + mean_{b, j} (r - x)^2

    ``params`` (and the moments) in torch's order: W1 (H x N), b1, W2 (K x H), b2, We (1 x K),
    be, W3 (H x K), b3, W4 (N x H), b4.  NAdam is torch's (``torch.optim.NAdam``, no weight
    decay), at the step size ``lr`` for the whole epoch; ``grad_factor``, ``avg_factor``
    and ``bias2`` (float64, one value per step of the epoch at least) are its per-step
    scalars from ``symfast.nn._training.NADAM.scalars``.

    Returns
    -------
    target_sum, reconstruction_sum : float
        Sums over steps of each batch's two mean squared errors times its row count.
    steps : int
        NAdam steps taken in this epoch.
    """
    cdef Py_ssize_t n_rows = order.shape[0], N = X.shape[1], H = hidden, K = latent
    cdef Py_ssize_t P = params.shape[0], B, r, j, start = 0
    # offsets of each parameter in the flat layout
    cdef Py_ssize_t oW1 = 0, ob1 = H * N, oW2 = ob1 + H, ob2 = oW2 + K * H
    cdef Py_ssize_t oWe = ob2 + K, obe = oWe + K, oW3 = obe + 1, ob3 = oW3 + H * K
    cdef Py_ssize_t oW4 = ob3 + H, ob4 = oW4 + N * H
    cdef double t_sum = 0.0, r_sum = 0.0, bt, br
    cdef int64_t steps = 0
    cdef float v, s, c_grad, c_avg, g, denom, fbc2, b1 = beta1, b2 = beta2, ceps = eps
    cdef float c1 = 1.0 - beta1, c2 = 1.0 - beta2, w = target_weight
    _check_schedule(n_rows, batch_size, grad_factor, avg_factor, bias2)
    cdef float* h1 = <float*>malloc(batch_size * H * sizeof(float))
    cdef float* z = <float*>malloc(batch_size * K * sizeof(float))
    cdef float* e = <float*>malloc(batch_size * sizeof(float))
    cdef float* h2 = <float*>malloc(batch_size * H * sizeof(float))
    cdef float* rec = <float*>malloc(batch_size * N * sizeof(float))
    cdef float* xb = <float*>malloc(batch_size * N * sizeof(float))
    cdef float* dh = <float*>malloc(batch_size * H * sizeof(float))
    cdef float* dz = <float*>malloc(batch_size * K * sizeof(float))
    cdef float* grad = <float*>malloc(P * sizeof(float))
    if (h1 == NULL or z == NULL or e == NULL or h2 == NULL or rec == NULL or xb == NULL
            or dh == NULL or dz == NULL or grad == NULL):
        free(h1); free(z); free(e); free(h2); free(rec); free(xb); free(dh); free(dz)
        free(grad)
        raise MemoryError("train_ae_epoch: cannot allocate the work buffers")
    cdef float* p = &params[0]
    cdef float* m1 = &exp_avg[0]
    cdef float* m2 = &exp_avg_sq[0]
    cdef unsigned int csr
    with nogil:
        csr = symfast_ftz_on()
        while start < n_rows:
            B = min(batch_size, n_rows - start)
            _gather(&X[0, 0], N, &order[start], B, xb)
            # ---- forward ----
            _forward(xb, p + oW1, B, N, H, h1)
            _add_bias(h1, p + ob1, B, H, True)
            _forward(h1, p + oW2, B, H, K, z)
            _add_bias(z, p + ob2, B, K, False)
            _forward(z, p + oWe, B, K, 1, e)
            _add_bias(e, p + obe, B, 1, False)
            _forward(z, p + oW3, B, K, H, h2)
            _add_bias(h2, p + ob3, B, H, True)
            _forward(h2, p + oW4, B, H, N, rec)
            _add_bias(rec, p + ob4, B, N, False)
            # ---- losses; rec and e become d loss / d output ----
            bt = 0.0
            for r in range(B):
                v = e[r] - target[order[start + r]]
                bt += v * v
                e[r] = 2 * w * v / B
            br = 0.0
            for r in range(B * N):
                v = rec[r] - xb[r]
                br += v * v
                rec[r] = 2 * v / (B * N)
            t_sum += bt
            r_sum += br / N
            # ---- decoder ----
            _grad_w(h2, rec, B, H, N, grad + oW4)
            _colsum(rec, B, N, grad + ob4)
            _backward(rec, p + oW4, B, H, N, 0.0, dh)
            _relu_mask(dh, h2, B * H)
            _grad_w(z, dh, B, K, H, grad + oW3)
            _colsum(dh, B, H, grad + ob3)
            _backward(dh, p + oW3, B, K, H, 0.0, dz)
            # ---- target head: dz += d_e We ----
            _grad_w(z, e, B, K, 1, grad + oWe)
            _colsum(e, B, 1, grad + obe)
            _backward(e, p + oWe, B, K, 1, 1.0, dz)
            # ---- encoder ----
            _grad_w(h1, dz, B, H, K, grad + oW2)
            _colsum(dz, B, K, grad + ob2)
            _backward(dz, p + oW2, B, H, K, 0.0, dh)
            _relu_mask(dh, h1, B * H)
            _grad_w(xb, dh, B, N, H, grad + oW1)
            _colsum(dh, B, H, grad + ob1)
            # ---- NAdam (torch's single-tensor formulas, the step's scalars given) ----
            c_grad = <float>(lr * grad_factor[steps])
            c_avg = <float>(lr * avg_factor[steps])
            fbc2 = <float>bias2[steps]
            steps += 1
            for j in range(P):
                g = grad[j]
                m1[j] = m1[j] + c1 * (g - m1[j])
                m2[j] = m2[j] * b2 + c2 * g * g
                denom = sqrtf(m2[j] / fbc2) + ceps
                p[j] = p[j] - c_grad * (g / denom)
                p[j] = p[j] - c_avg * (m1[j] / denom)
            start += B
        symfast_ftz_restore(csr)
    free(h1); free(z); free(e); free(h2); free(rec); free(xb); free(dh); free(dz); free(grad)
    return t_sum, r_sum, steps
