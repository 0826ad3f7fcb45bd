"""The one training loop of SAR Change models (torch; runs outside QGIS).

``fit`` trains any ``torch.nn.Module`` given three callables of the model's
folder: ``batches(epoch)`` (an iterable of batches), ``step(model, batch)``
(the loss tensor and the number of samples) and ``evaluate(model)`` (a dict
with at least "loss", lower is better). It provides:

- device choice (``device``: "cpu", "cuda", "cuda:1" or "auto"; batches that
  are dicts/lists/tuples of tensors are moved there by ``to_device``);
- seeds: ``seed_everything`` seeds torch (weights, dropout) and returns a
  numpy Generator for the caller's sampling;
- a wall-clock budget (``max_minutes``, counted from ``t0``): training
  stops at the next batch after it and the best weights so far are kept;
- a work budget (``max_steps``, optimiser steps): training stops after that
  many steps, validating the last (possibly partial) epoch first, so runs
  compare at equal work whatever the machine's load;
- the best checkpoint: a copy of the weights at the lowest validation loss
  (optionally the initial weights as "epoch 0", ``evaluate_initial``);
- early stopping after ``patience`` epochs without improvement;
- the learning rate: "plateau" (divided by ``1 / plateau_factor`` after
  ``plateau_patience`` epochs without improvement, as
  torch.optim.lr_scheduler.ReduceLROnPlateau, floor ``lr * min_lr_factor``)
  or "cosine" (per epoch from ``lr`` to ``lr / 10``; the learned DI's
  historical schedule) or "constant";
- freezing: parameters whose names start with one of ``freeze`` get no
  gradient during the first ``freeze_epochs`` epochs (e.g. a pretrained
  encoder while the new layers settle);
- weight averaging: ``ema`` > 0 keeps an exponential moving average of the
  weights (and of the floating-point buffers, e.g. batch-norm statistics),
  updated after every optimiser step with that decay per step and corrected
  for its zero start as Adam's moments (Polyak & Juditsky 1992; Kingma & Ba
  2015), so short runs are not pulled back to the initial weights;
  validation, the best checkpoint and the returned model use the averaged
  weights, training continues on the live ones;
- callbacks: ``progress(percent)``, ``log(text)``, ``on_epoch(record)``
  (see ``protocol.Emitter``) and ``should_stop() -> bool`` (cancel: checked
  before every batch).

The optimiser is Adam (Kingma & Ba 2015). Records: epoch, train (mean batch
loss), val, lr, seconds, plus every scalar of ``evaluate``'s result.
"""
import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np
import torch

SCHEDULES = ("plateau", "cosine", "constant")


class Stopped(Exception):
    """Raised inside the loop when it must stop (cancel or time budget)."""


def seed_everything(seed):
    """Seed torch (CPU and CUDA); return ``numpy.random.default_rng(seed)``."""
    torch.manual_seed(int(seed))
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(int(seed))
    return np.random.default_rng(int(seed))


def choose_device(device="cpu"):
    """torch.device for "cpu", "cuda", "cuda:N" or "auto" (cuda when available); ValueError when absent."""
    name = str(device or "cpu").lower()
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {device!r}: this torch has no CUDA device; use --device cpu")
    return torch.device(name)


def to_device(batch, device):
    """``batch`` (tensor, or dict/list/tuple of them) on ``device``."""
    if isinstance(batch, torch.Tensor):
        return batch.to(device, non_blocking=True)
    if isinstance(batch, dict):
        return {k: to_device(v, device) for k, v in batch.items()}
    if isinstance(batch, (list, tuple)):
        return type(batch)(to_device(v, device) for v in batch)
    return batch


def set_frozen(model, prefixes, frozen):
    """requires_grad = not ``frozen`` for every parameter whose name starts with one of ``prefixes``;
    returns the number of tensors changed."""
    count = 0
    for name, p in model.named_parameters():
        if any(name.startswith(pre) for pre in prefixes):
            p.requires_grad_(not frozen)
            count += 1
    return count


@dataclass
class FitResult:
    """What ``fit`` returns. ``best_state`` is None when no validation ran (stopped too early)."""

    records: list = field(default_factory=list)
    best_epoch: int = None
    best_val: dict = None
    best_state: dict = None
    initial_val: dict = None
    stopped: str = None
    early_stopped: bool = False
    samples: int = 0
    steps: int = 0
    train_seconds: float = 0.0
    seconds: float = 0.0

    @property
    def samples_per_second(self):
        return self.samples / self.train_seconds if self.train_seconds > 0 else None


def fit(model, batches, step, evaluate, epochs, lr=1e-3, schedule="plateau", plateau_patience=2,
        plateau_factor=0.5, min_lr_factor=0.01, patience=None, max_minutes=None, t0=None, should_stop=None,
        progress=None, log=None, on_epoch=None, device="cpu", freeze=(), freeze_epochs=0,
        evaluate_initial=False, batches_per_epoch=None, weight_decay=0.0, ema=0.0, max_steps=None):
    """Train ``model`` (see the module docstring); returns a FitResult. The model ends in eval mode
    holding the best weights (when any validation ran). ``max_steps``: optimiser steps at most (None:
    no limit; ``result.stopped`` "step limit" when it ended the run)."""
    t0 = time.perf_counter() if t0 is None else t0
    log = log or (lambda text: None)
    if schedule not in SCHEDULES:
        raise ValueError(f"schedule {schedule!r}: use one of {SCHEDULES}")
    epochs = int(epochs)
    if epochs < 1:
        raise ValueError("epochs must be >= 1")
    ema = float(ema or 0.0)
    if not 0.0 <= ema < 1.0:
        raise ValueError(f"ema {ema}: a decay per step in [0, 1) (0: no weight averaging)")
    if max_steps is not None and int(max_steps) < 1:
        raise ValueError(f"max_steps {max_steps}: at least 1 optimiser step (None: no limit)")
    device = choose_device(device) if not isinstance(device, torch.device) else device
    model.to(device)
    deadline = None if max_minutes is None else t0 + 60.0 * float(max_minutes)
    opt = torch.optim.Adam(model.parameters(), lr=float(lr), weight_decay=float(weight_decay))
    plateau = None
    if schedule == "plateau":
        plateau = torch.optim.lr_scheduler.ReduceLROnPlateau(
            opt, mode="min", factor=float(plateau_factor), patience=int(plateau_patience),
            min_lr=float(lr) * float(min_lr_factor))
    n_batches = int(batches_per_epoch) if batches_per_epoch else 1
    total = epochs * (n_batches + 1) + (1 if evaluate_initial else 0)
    result = FitResult()
    counter = {"step": 0}

    def report():
        if progress is not None:
            progress(min(100.0, 100.0 * counter["step"] / total))

    def check_stop():
        if should_stop is not None and should_stop():
            result.stopped = "cancelled"
            raise Stopped
        if deadline is not None and time.perf_counter() > deadline:
            result.stopped = "time limit"
            raise Stopped

    def keep_if_best(epoch, val):
        if result.best_val is None or val["loss"] < result.best_val["loss"]:
            result.best_epoch, result.best_val = epoch, val
            result.best_state = copy.deepcopy(model.state_dict())
            return True
        return False

    frozen = bool(freeze) and int(freeze_epochs) > 0
    if frozen:
        n = set_frozen(model, freeze, True)
        log(f"freezing {n} tensors ({', '.join(freeze)}) for the first {int(freeze_epochs)} epoch(s)")
    average = WeightAverage(model, ema) if ema > 0 else None
    since_best = 0
    try:
        if evaluate_initial:
            check_stop()
            val = evaluate(model)
            result.initial_val = val
            keep_if_best(0, val)
            counter["step"] += 1
            record = {"epoch": 0, "train": float("nan"), "val": val["loss"], "lr": float(lr), "seconds": 0.0,
                      **_scalars(val)}
            result.records.append(record)
            if on_epoch is not None:
                on_epoch(record)
            report()
        for epoch in range(1, epochs + 1):
            te = time.perf_counter()
            if frozen and epoch == int(freeze_epochs) + 1:
                set_frozen(model, freeze, False)
                frozen = False
                log(f"epoch {epoch}: unfreezing {', '.join(freeze)}")
            if schedule == "cosine":
                frac = (epoch - 1) / max(1, epochs - 1)
                for g in opt.param_groups:
                    g["lr"] = float(lr) * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * frac)))
            model.train()
            tot, cnt = 0.0, 0
            tb = time.perf_counter()
            for batch in batches(epoch):
                check_stop()
                loss, n = step(model, to_device(batch, device))
                opt.zero_grad()
                loss.backward()
                opt.step()
                if average is not None:
                    average.update(model)
                tot += float(loss.detach()) * n
                cnt += n
                result.steps += 1
                counter["step"] += 1
                report()
                if max_steps is not None and result.steps >= int(max_steps):
                    break
            result.train_seconds += time.perf_counter() - tb
            result.samples += cnt
            check_stop()
            live = None if average is None else average.swap_in(model)
            model.eval()
            with torch.no_grad():
                val = evaluate(model)
            improved = keep_if_best(epoch, val)
            if live is not None:
                model.load_state_dict(live)
            model.train()
            counter["step"] += 1
            since_best = 0 if improved else since_best + 1
            record = {"epoch": epoch, "train": tot / max(cnt, 1), "val": val["loss"],
                      "lr": opt.param_groups[0]["lr"], "seconds": time.perf_counter() - te, **_scalars(val)}
            result.records.append(record)
            if plateau is not None:
                plateau.step(val["loss"])
            if on_epoch is not None:
                on_epoch(record)
            report()
            if max_steps is not None and result.steps >= int(max_steps):
                result.stopped = "step limit"
                log(f"stopped (step limit) after {result.steps} optimiser step(s), epoch {epoch}")
                break
            if patience is not None and since_best >= int(patience):
                result.early_stopped = True
                log(f"early stopping: no improvement for {since_best} epoch(s); best epoch "
                    f"{result.best_epoch}")
                break
    except Stopped:
        log(f"stopped ({result.stopped}) after {sum(r['epoch'] > 0 for r in result.records)} epoch(s)")
    finally:
        if frozen:
            set_frozen(model, freeze, False)
    if result.best_state is not None:
        model.load_state_dict(result.best_state)
    model.eval()
    result.seconds = time.perf_counter() - t0
    return result


class WeightAverage:
    """Exponential moving average of a model's state over the optimiser steps (parameters and
    floating-point buffers; integer buffers such as batch-norm counters are copied):
    ``sum = decay * sum + (1 - decay) * live`` from zero, averaged weights ``sum / (1 - decay ** n)``
    after ``n`` updates (the weights of the steps only, their shares summing to one)."""

    def __init__(self, model, decay):
        self.decay, self.updates = float(decay), 0
        self.sums = {k: torch.zeros_like(v) if v.dtype.is_floating_point else v.detach().clone()
                     for k, v in model.state_dict().items()}

    @torch.no_grad()
    def update(self, model):
        self.updates += 1
        for k, v in model.state_dict().items():
            if v.dtype.is_floating_point:
                self.sums[k].mul_(self.decay).add_(v.detach(), alpha=1.0 - self.decay)
            else:
                self.sums[k].copy_(v)

    def state(self):
        """The averaged state (the live state's keys; None before the first update)."""
        if not self.updates:
            return None
        norm = 1.0 - self.decay ** self.updates
        return {k: v / norm if v.dtype.is_floating_point else v.clone() for k, v in self.sums.items()}

    def swap_in(self, model):
        """Load the averaged weights into ``model``; returns a copy of the live state to load back
        (None, and nothing loaded, before the first update)."""
        averaged = self.state()
        if averaged is None:
            return None
        live = copy.deepcopy(model.state_dict())
        model.load_state_dict(averaged)
        return live


def count_parameters(module):
    """Number of parameters (scalars) of a torch module: the model size every card and summary reports.

    All parameters count, frozen or not (``fit`` unfreezes every parameter before it returns).
    """
    return int(sum(p.numel() for p in module.parameters()))


def fit_summary(fit, keys, parameters, init_report, **extra):
    """(per-epoch records, training summary) that every trainer returns after ``fit``.

    ``keys``: the fields kept from each epoch record (missing ones become None);
    ``parameters``: the model's parameter count (``count_parameters``); ``init_report``: the pretrained
    initialisation report or None; ``extra``: model-specific entries. The
    caller fills in onnx, checkpoint and card once they are written.
    """
    records = [{k: r.get(k) for k in keys} for r in fit.records]
    summary = {"onnx": None, "checkpoint": None, "card": None, "stopped": fit.stopped, "epochs": records,
               "parameters": parameters, "init_report": init_report.as_dict() if init_report else None,
               "patches_per_second": fit.samples_per_second, **extra}
    return records, summary


def _scalars(val):
    return {f"val_{k}" if not k.startswith("val") else k: float(v) for k, v in val.items()
            if isinstance(v, (int, float)) and k != "loss"}
