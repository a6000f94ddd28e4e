"""Training many small networks at once: :func:`fit_many`.

For networks as small as the studies' (the chain's classifier is 18 -> 64 -> 2 on batches
of 64), a training step costs its Python and dispatch overhead, not its arithmetic.
``fit_many`` trains M independent networks of one architecture as one computation:

* the weights of all members sit in one (M, P) tensor; a dense layer of the members is
  one batched matrix product (``torch.baddbmm``) over (M, batch, features);
* each member's loss is its own mean over its own batch, so the sum over members has
  exactly the members' gradients;
* one optimiser step (Adam or NAdam, torch's formulas applied to the stacked tensor with
  the per-step scalars of :mod:`symfast.nn._training`) updates every member;
* each member keeps its own seed (the same initial weights as a lone fit: its network is
  built under the same seeding), its own shuffling generator (the same data order), its
  own dataset length (short batches are padded and weighted out), its own epoch-end
  evaluation, early stopping and best-epoch bookkeeping (the estimator's own code, run on
  the member's weights).  A member that stops leaves the stack, so it no longer costs.

Networks made of ``nn.Sequential``, ``nn.Linear`` and element-wise activations, or
modules that say how to run stacked (a ``forward_stacked`` method), run on the batched
products; any other module without normalisation layers (a convolution, say) runs
through ``torch.func.vmap``.  Batch normalisation and dropout cannot be batched (padding
would change their statistics) and are refused.

Dense networks that train on symfast's compiled epoch (see ``symfast.nn._dense_kernel``)
are faster alone than in any stack; ``fit_many`` fits those alone over a thread pool
unless told to stack them (``stack=True``).

An estimator takes part by implementing ``_batched_plan(*data) -> BatchedPlan`` and
``_batched_finish(plan)``; :class:`~symfast.nn.EmbeddingClassifier`,
:class:`~symfast.nn.ScoredClassifier` and :class:`~symfast.nn.TaskAutoencoder` do.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch
from torch import nn

from symfast.nn._training import ADAM, NADAM


#: Element-wise modules that run unchanged on (M, batch, features) tensors.
ELEMENTWISE = (nn.ReLU, nn.SiLU, nn.GELU, nn.Tanh, nn.Sigmoid, nn.Identity, nn.Softplus,
               nn.LeakyReLU, nn.ELU)
#: Step work (members x weights x batch size) from which a batched fit uses every core.
STACK_THREAD_WORK = 500_000
#: Modules whose output depends on the whole batch: padding would change them.
UNBATCHABLE = (nn.modules.batchnorm._BatchNorm, nn.Dropout, nn.LayerNorm, nn.GroupNorm)


@dataclass
class BatchedPlan:
    """One member of a batched fit, as its estimator prepares it.

    Attributes
    ----------
    net : nn.Module
        The member's network, initialised as a lone fit would (same seed); after the fit it
        holds the member's final weights.
    generator : torch.Generator
        Draws the member's data order (``torch.randperm`` once per epoch), as a lone fit.
    inputs : Tensor of shape (n, ...)
        Training inputs.
    targets : tuple of Tensor
        Per-sample targets, each with first dimension n.
    batch_size, max_epochs : int
    learning_rate : float
    optimizer : {"adam", "nadam"}
    weight_decay : float
        L2 added to the gradient (torch's Adam and NAdam ``weight_decay``).
    lr_decay : float
        Step size multiplied by this after every epoch (1.0: constant).
    loss : callable
        ``loss(outputs, targets, weight, params) -> (losses, logs)``: outputs of the
        stacked forward, targets gathered to (M, batch, ...), weight (M, batch) with 1 for
        real and 0 for padded samples, the stacked parameters by name (M, ...).  Returns
        each member's loss (M,) and per-member figures to average over the epoch (M, k),
        weighted by the batch's sample count.  The same function for every member.
    end_epoch : callable
        ``end_epoch(epoch, logs) -> stop``, with ``net`` holding the member's weights after
        ``epoch`` (1-based) and ``logs`` the epoch's means; True ends the member's training.
    score : callable, optional
        ``score() -> float``: the figure a progress bar shows (best so far is shown).
    state : dict
        The estimator's own bookkeeping (history, best epoch), free for it to use.
    """

    net: nn.Module
    generator: torch.Generator
    inputs: torch.Tensor
    targets: tuple[torch.Tensor, ...]
    batch_size: int
    max_epochs: int
    learning_rate: float
    loss: Callable[..., tuple[torch.Tensor, torch.Tensor]]
    end_epoch: Callable[[int, np.ndarray], bool]
    optimizer: str = "adam"
    weight_decay: float = 0.0
    lr_decay: float = 1.0
    score: Callable[[], float] | None = None
    state: dict[str, Any] = field(default_factory=dict)


class _Layout:
    """Where each trainable parameter of the architecture sits in a row of the stack."""

    def __init__(self, net: nn.Module):
        self.names: list[str] = []
        self.shapes: list[torch.Size] = []
        self.offsets: list[int] = []
        off = 0
        for name, p in net.named_parameters():
            self.names.append(name)
            self.shapes.append(p.shape)
            self.offsets.append(off)
            off += p.numel()
        self.size = off
        self.buffer_names = [name for name, _ in net.named_buffers()]
        self.signature = ([(n, tuple(s)) for n, s in zip(self.names, self.shapes)],
                          [(n, tuple(b.shape)) for n, b in net.named_buffers()],
                          [type(m).__name__ for m in net.modules()])

    def views(self, flat: torch.Tensor) -> dict[str, torch.Tensor]:
        """Per-parameter views (M, *shape) of a stack (M, P)."""
        M = flat.shape[0]
        return {n: flat[:, o:o + s.numel()].view(M, *s)
                for n, s, o in zip(self.names, self.shapes, self.offsets)}

    def row(self, net: nn.Module) -> torch.Tensor:
        return torch.cat([p.detach().reshape(-1) for p in net.parameters()])

    def load(self, net: nn.Module, row: torch.Tensor) -> None:
        with torch.no_grad():
            for p, s, o in zip(net.parameters(), self.shapes, self.offsets):
                p.copy_(row[o:o + s.numel()].view(s))


class _Stacked:
    """Runs the architecture of ``template`` on stacked parameters and buffers."""

    def __init__(self, template: nn.Module):
        for m in template.modules():
            if isinstance(m, UNBATCHABLE):
                raise ValueError(f"fit_many cannot batch a network with {type(m).__name__}: "
                                 "its output depends on the whole batch, which padding "
                                 "changes; fit these estimators one by one")
        self.template = template
        self.fast = self._supported(template)
        if not self.fast:
            import copy

            from torch.func import functional_call, vmap

            base = copy.deepcopy(template).to("meta")

            def one(p: dict, b: dict, x: torch.Tensor) -> Any:
                return functional_call(base, (p, b), (x,))

            self._vmapped = vmap(one)

    def _supported(self, m: nn.Module) -> bool:
        if isinstance(m, nn.Sequential):
            return all(self._supported(c) for c in m)
        if isinstance(m, nn.Linear) or isinstance(m, ELEMENTWISE):
            return True
        # a module with forward_stacked runs its own children (stacked where it asks)
        return hasattr(m, "forward_stacked")

    def __call__(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor],
                 x: torch.Tensor) -> Any:
        if not self.fast:
            return self._vmapped(params, buffers, x)
        return _Runner(params, buffers).run(self.template, "", x)


class _Runner:
    """The stacked forward of a supported module tree (see :class:`_Stacked`)."""

    def __init__(self, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]):
        self.params = params
        self.buffers = buffers

    def run(self, m: nn.Module, prefix: str, x: torch.Tensor) -> Any:
        if isinstance(m, nn.Linear):
            W = self.params[prefix + "weight"]                       # (M, out, in)
            b = self.params.get(prefix + "bias")
            if b is None:
                return torch.bmm(x, W.transpose(1, 2))
            return torch.baddbmm(b.unsqueeze(1), x, W.transpose(1, 2))
        if isinstance(m, nn.Sequential):
            for name, c in m.named_children():
                x = self.run(c, f"{prefix}{name}.", x)
            return x
        if isinstance(m, ELEMENTWISE):
            return m(x)
        return m.forward_stacked(_Scoped(self, prefix), x)


class _Scoped:
    """What a module's ``forward_stacked(r, x)`` sees: ``r(child, name, x)`` runs its child
    ``name`` stacked; ``r.buffer(name)`` and ``r.param(name)`` are its stacked buffers and
    parameters (M, *shape)."""

    def __init__(self, runner: _Runner, prefix: str):
        self._runner = runner
        self._prefix = prefix

    def __call__(self, module: nn.Module, name: str, x: torch.Tensor) -> Any:
        return self._runner.run(module, f"{self._prefix}{name}.", x)

    def buffer(self, name: str) -> torch.Tensor:
        return self._runner.buffers[self._prefix + name]

    def param(self, name: str) -> torch.Tensor:
        """The stacked parameter ``name`` of this module: (M, *shape)."""
        return self._runner.params[self._prefix + name]


class _ManualMLP:
    """Forward and backward of a stacked ReLU MLP (``nn.Sequential`` of Linear and ReLU,
    ending in Linear) under the per-member mean cross-entropy, written out with batched
    products: far fewer operations than autograd dispatches, and operations are what a
    step of a network this small costs (measured: 10 chain classifiers, 830 against 550 us
    a step, per-epoch evaluation included)."""

    def __init__(self, template: nn.Module, layout: _Layout):
        mods = list(template) if isinstance(template, nn.Sequential) else []
        ok = bool(mods) and isinstance(mods[-1], nn.Linear) and all(
            isinstance(m, nn.Linear) if i % 2 == 0 else isinstance(m, nn.ReLU)
            for i, m in enumerate(mods)) and all(m.bias is not None for m in mods[::2])
        self.ok = ok
        if ok:
            self.names = [(f"{i}.weight", f"{i}.bias") for i in range(0, len(mods), 2)]
            self.layout = layout

    @torch.no_grad()
    def grad(self, params: dict[str, torch.Tensor], x: torch.Tensor, codes: torch.Tensor,
             weight: torch.Tensor) -> torch.Tensor:
        """The gradient (M, P) of the members' summed losses."""
        acts = [x]
        h = x
        last = len(self.names) - 1
        Ws = [params[w] for w, _ in self.names]
        for k, (w, b) in enumerate(self.names):
            h = torch.baddbmm(params[b].unsqueeze(1), h, Ws[k].transpose(1, 2))
            if k < last:
                h = h.clamp_min_(0.0)
            acts.append(h)
        g = torch.softmax(h, dim=-1)
        g.scatter_add_(2, codes.unsqueeze(2), g.new_full((*codes.shape, 1), -1.0))
        g.mul_((weight / weight.sum(1, keepdim=True)).unsqueeze(2))
        grads: dict[str, torch.Tensor] = {}
        for k in range(last, -1, -1):
            w, b = self.names[k]
            grads[w] = torch.bmm(g.transpose(1, 2), acts[k])
            grads[b] = g.sum(1)
            if k > 0:
                g = torch.ops.aten.threshold_backward(torch.bmm(g, Ws[k]), acts[k], 0.0)
        return torch.cat([grads[n].reshape(x.shape[0], -1) for n in self.layout.names], 1)


class _Optimizer:
    """Adam or NAdam over a stack (M, P), one set of moments per element; the step's
    scalars come from the one definition of each rule (:mod:`symfast.nn._training`),
    and the step size is per member (M, 1)."""

    def __init__(self, kind: str, flat: torch.Tensor, lr: torch.Tensor, weight_decay: float):
        self.kind = kind
        self.rule = ADAM if kind == "adam" else NADAM
        self.m = torch.zeros_like(flat)
        self.v = torch.zeros_like(flat)
        self.lr = lr
        self.wd = weight_decay
        self.t = 0
        self.mu_product = 1.0

    def keep(self, rows: torch.Tensor) -> None:
        self.m, self.v, self.lr = self.m[rows], self.v[rows], self.lr[rows]

    @torch.no_grad()
    def step(self, p: torch.Tensor, g: torch.Tensor) -> None:
        b1, b2, eps = self.rule.beta1, self.rule.beta2, self.rule.eps
        if self.wd:
            g = g.add(p, alpha=self.wd)
        self.m.lerp_(g, 1 - b1)
        self.v.mul_(b2).addcmul_(g, g, value=1 - b2)
        if self.kind == "adam":
            factor, bias2_sqrt = ADAM.scalars(self.t, 1)
            self.t += 1
            denom = (self.v.sqrt() / float(bias2_sqrt[0])).add_(eps)
            p.addcdiv_(self.m * (-self.lr * float(factor[0])), denom)
            return
        grad_f, avg_f, bias2, products = NADAM.scalars(self.t, 1, self.mu_product)
        self.t += 1
        self.mu_product = float(products[0])
        denom = self.v.div(float(bias2[0])).sqrt().add_(eps)
        p.addcdiv_(g * (-self.lr * float(grad_f[0])), denom)
        p.addcdiv_(self.m * (-self.lr * float(avg_f[0])), denom)


def _check_plans(plans: Sequence[BatchedPlan]) -> _Layout:
    layout = _Layout(plans[0].net)
    first = plans[0]
    for i, p in enumerate(plans[1:], 1):
        other = _Layout(p.net)
        if other.signature != layout.signature:
            raise ValueError(f"fit_many batches networks of one architecture: estimator {i} "
                             f"builds {other.signature[0]}, estimator 0 builds "
                             f"{layout.signature[0]} (same layer widths, inputs and classes "
                             "are needed)")
        for name in ("batch_size", "optimizer", "weight_decay"):
            if getattr(p, name) != getattr(first, name):
                raise ValueError(f"fit_many runs one optimiser over one batch shape: "
                                 f"{name} must be equal across estimators, got "
                                 f"{getattr(first, name)!r} (estimator 0) and "
                                 f"{getattr(p, name)!r} (estimator {i})")
        if p.inputs.shape[1:] != first.inputs.shape[1:]:
            raise ValueError(f"estimator {i}'s inputs have shape {tuple(p.inputs.shape[1:])} "
                             f"per sample, estimator 0's {tuple(first.inputs.shape[1:])}")
    return layout


def run_plans(plans: Sequence[BatchedPlan], *, device: str | torch.device = "cpu",
              progress: bool = False, desc: str = "fit_many") -> None:
    """Train the members of ``plans`` together (see the module documentation); each
    plan's ``net`` ends with that member's final weights, its ``end_epoch`` having run
    after every epoch."""
    if not plans:
        return
    layout = _check_plans(plans)
    dev = torch.device(device)
    M = len(plans)
    B = int(plans[0].batch_size)
    sizes = torch.tensor([p.inputs.shape[0] for p in plans])
    steps = (sizes + B - 1) // B                                # batches per epoch
    runner = _Stacked(plans[0].net)
    manual = _ManualMLP(plans[0].net, layout)
    manual_ok = manual.ok and getattr(plans[0].loss, "manual", None) == "cross_entropy"
    flat = torch.stack([layout.row(p.net) for p in plans]).to(dev)
    buffers = {name: torch.stack([p.net.get_buffer(name).detach() for p in plans]).to(dev)
               for name in layout.buffer_names}
    opt = _Optimizer(plans[0].optimizer, flat,
                     torch.tensor([[float(p.learning_rate)] for p in plans], device=dev),
                     float(plans[0].weight_decay))
    members = list(range(M))                                    # plan index of each row
    width = int(steps.max()) * B
    # each row's data in its epoch's order, so that a batch is a slice when rows are aligned
    # (the members' data are not stacked as such: only in this order, to save memory)
    x0 = plans[0].inputs
    Xp = x0.new_zeros((M, width, *x0.shape[1:]), device=dev)
    Yp = [t.new_zeros((M, width, *t.shape[1:]), device=dev) for t in plans[0].targets]
    Wp = torch.zeros((M, width), dtype=x0.dtype, device=dev)
    batch = torch.zeros(M, dtype=torch.long)                    # next batch within epoch
    row_steps = steps.clone()                                   # batches per epoch, by row
    aligned = True                                              # every row at one batch
    epoch = [0] * M
    arange_B = torch.arange(B)
    log_sum: torch.Tensor | None = None
    bar, best = None, -math.inf
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(p.max_epochs for p in plans), desc=desc, unit="epoch", leave=False)

    def new_epoch(rows: Sequence[int]) -> None:
        for r in rows:
            p = plans[members[r]]
            n = p.inputs.shape[0]
            perm = torch.randperm(n, generator=p.generator)
            Xp[r, :n] = p.inputs[perm].to(dev)
            for yp, t in zip(Yp, p.targets):
                yp[r, :n] = t[perm].to(dev)
            Wp[r, :n] = 1.0
            Wp[r, n:] = 0.0

    def leaves(flat: torch.Tensor) -> dict[str, torch.Tensor]:
        # leaf views of the stack: gradients come per parameter, the update is one tensor
        return {k: v.requires_grad_() for k, v in layout.views(flat).items()}

    new_epoch(range(M))
    params = leaves(flat)
    while members:
        rows = len(members)
        if aligned:
            j = int(batch[0]) * B
            xb, yb, weight = Xp[:, j:j + B], [y[:, j:j + B] for y in Yp], Wp[:, j:j + B]
        else:
            cols = (batch[:, None] * B + arange_B).to(dev)          # (rows, B)
            xb = Xp.gather(1, cols.view(rows, B, *[1] * (Xp.dim() - 2)).expand(
                rows, B, *Xp.shape[2:]))
            yb = [y.gather(1, cols.view(rows, B, *[1] * (y.dim() - 2)).expand(
                rows, B, *y.shape[2:])) for y in Yp]
            weight = Wp.gather(1, cols)
        if manual_ok:
            # the mean cross-entropy's own figure is not logged on this path
            opt.step(flat, manual.grad(params, xb, yb[0], weight))
            logs = weight.new_zeros((rows, 1))
        else:
            out = runner(params, buffers, xb)
            losses, logs = plans[0].loss(out, tuple(yb), weight, params)
            grads = torch.autograd.grad(losses.sum(), list(params.values()))
            opt.step(flat, torch.cat([g.reshape(rows, -1) for g in grads], 1))
        step_logs = logs.detach() * weight.sum(1, keepdim=True)
        log_sum = step_logs if log_sum is None else log_sum + step_logs
        batch += 1
        ended = torch.nonzero(batch >= row_steps).flatten().tolist()
        if not ended:
            continue
        keep: list[int] = []
        restart: list[int] = []
        ended_set = set(ended)
        means = log_sum.cpu().numpy()
        for r in range(rows):
            if r not in ended_set:
                keep.append(r)
                continue
            i = members[r]
            p = plans[i]
            epoch[i] += 1
            layout.load(p.net, flat[r].cpu())
            stop = bool(p.end_epoch(epoch[i], means[r] / float(sizes[i])))
            log_sum[r] = 0
            batch[r] = 0
            if p.lr_decay != 1.0:
                opt.lr[r] = opt.lr[r] * p.lr_decay
            if bar is not None:
                bar.update(1)
                if p.score is not None:
                    best = max(best, float(p.score()))
            if stop or epoch[i] >= p.max_epochs:
                if bar is not None:
                    bar.update(p.max_epochs - epoch[i])
                continue
            keep.append(r)
            restart.append(r)
        if restart:
            new_epoch(restart)
        if bar is not None:
            post = {"members": len(keep), "epoch": max(epoch)}
            if best > -math.inf:
                post["best"] = f"{best:.4f}"
            bar.set_postfix(post)
        if len(keep) < rows:
            kt = torch.tensor(keep, dtype=torch.long)
            kd = kt.to(dev)
            flat = flat[kd]
            params = leaves(flat)
            opt.keep(kd)
            buffers = {k: v[kd] for k, v in buffers.items()}
            Xp, Yp, Wp = Xp[kd], [y[kd] for y in Yp], Wp[kd]
            batch, row_steps = batch[kt], row_steps[kt]
            log_sum = log_sum[kd]
            members = [members[r] for r in keep]
        aligned = bool(members) and bool((batch == batch[0]).all())
    if bar is not None:
        bar.close()
