"""Maximum-likelihood pretraining and transfer learning of the SMILES language model.

`pretrain(config)` trains from scratch on a corpus, or fine-tunes an existing prior (`init`) on a
chemist's own set. It holds out a validation split, follows a warm-up + cosine learning-rate
schedule, clips gradients, optionally augments with randomised SMILES, shows a progress bar with
ETA, and writes a resumable training state next to the output so that an interrupted run
continues where it stopped (same data order, same optimiser state).
"""

from __future__ import annotations

import math
import platform
import random
import sys
import time

import numpy as np
import torch
from tqdm.auto import tqdm

from molmara.chem.smiles import randomize_smiles
from molmara.interrupts import deferred_interrupts
from molmara.model.corpus import CorpusError, load_corpus
from molmara.model.pretrain_config import PretrainConfig, PretrainConfigError
from molmara.model.prior import Prior, resolve_device
from molmara.model.rnn import ModelConfig, SmilesRNN
from molmara.model.tokenizer import UnknownTokenError, Vocabulary


def learning_rate_at(step: int, total_steps: int, config: PretrainConfig) -> float:
    """Linear warm-up to `learning_rate`, then cosine decay to `min_learning_rate` at `total_steps`."""
    if step < config.warmup_steps:
        return config.learning_rate * (step + 1) / config.warmup_steps
    span = max(1, total_steps - config.warmup_steps)
    progress = min(1.0, (step - config.warmup_steps) / span)
    cosine = 0.5 * (1 + math.cos(math.pi * progress))
    return config.min_learning_rate + (config.learning_rate - config.min_learning_rate) * cosine


def _encode_all(
    smiles: list[str], vocabulary: Vocabulary, skip_unknown: bool
) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Padded uint8/int16 id matrix and lengths; unknown tokens raise unless skipped."""
    rows, kept = [], []
    for s in smiles:
        try:
            rows.append(vocabulary.encode(s))
            kept.append(s)
        except UnknownTokenError:
            if not skip_unknown:
                raise

    if not rows:
        raise CorpusError("no corpus molecule can be encoded with the prior's vocabulary")
    lengths = np.array([len(r) for r in rows], dtype=np.int64)
    dtype = np.uint8 if len(vocabulary) < 256 else np.int16
    ids = np.zeros((len(rows), int(lengths.max())), dtype=dtype)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = r
    return kept, ids, lengths


def _epoch_batches(lengths: np.ndarray, batch_size: int, seed: int, epoch: int) -> list[np.ndarray]:
    """Batches of one epoch: a seeded shuffle, then length-sorted buckets of 50 batches to cut padding."""
    rng = np.random.default_rng([seed, epoch])
    order = rng.permutation(len(lengths))
    bucket = batch_size * 50
    batches = []
    for start in range(0, len(order), bucket):
        chunk = order[start : start + bucket]
        chunk = chunk[np.argsort(lengths[chunk], kind="stable")]
        batches.extend(chunk[i : i + batch_size] for i in range(0, len(chunk), batch_size))
    rng.shuffle(batches)
    return batches


def _batch_tensor(ids: np.ndarray, lengths: np.ndarray, index: np.ndarray) -> torch.Tensor:
    width = int(lengths[index].max())
    return torch.from_numpy(ids[index, :width].astype(np.int64))


def _randomized_batch(smiles: list[str], vocabulary: Vocabulary, rng: random.Random) -> torch.Tensor:
    """Randomised SMILES of the batch molecules; a form the vocabulary cannot encode falls back to the original."""
    rows = []
    for s in smiles:
        variant = randomize_smiles(s, rng)
        encoded = vocabulary.try_encode(variant) if variant else None
        rows.append(encoded if encoded is not None else vocabulary.encode(s))
    width = max(len(r) for r in rows)
    out = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        out[i, : len(r)] = torch.tensor(r)
    return out


@torch.no_grad()
def validation_nll(model: SmilesRNN, ids: np.ndarray, lengths: np.ndarray, device: torch.device) -> float:
    """Mean negative log-likelihood per molecule (nats) on the held-out set."""
    was_training = model.training
    model.eval()
    total = 0.0
    for start in range(0, len(lengths), 1024):
        index = np.arange(start, min(start + 1024, len(lengths)))
        total += -model.sequence_log_likelihood(_batch_tensor(ids, lengths, index).to(device)).sum().item()
    model.train(was_training)
    return total / len(lengths)


def _split(smiles: list[str], config: PretrainConfig) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(config.seed)
    order = rng.permutation(len(smiles))
    n_valid = min(config.max_valid, max(1, int(round(config.valid_fraction * len(smiles)))))
    if len(smiles) - n_valid < 1:
        raise CorpusError(f"corpus has {len(smiles)} usable SMILES: too few to hold out a validation set")
    return [smiles[i] for i in order[n_valid:]], [smiles[i] for i in order[:n_valid]]


def pretrain(config: PretrainConfig) -> Prior:
    """Train (or fine-tune, with `config.init`) a prior on `config.corpus` and save it to `config.output`."""
    started = time.time()
    device = resolve_device(config.device)
    torch.manual_seed(config.seed)
    smiles, stats = load_corpus(
        config.corpus,
        canonical=config.canonical,
        standardize=config.standardize,
        max_tokens=config.max_tokens,
        n_jobs=config.n_jobs,
    )
    if config.progress:
        print(f"corpus {config.corpus}: {stats.summary()}", flush=True)

    if config.init:
        base = Prior.load(config.init, device)
        vocabulary, model = base.vocabulary, base.model
        model_config = model.config
    else:
        vocabulary = Vocabulary.from_smiles(smiles)
        model_config = ModelConfig(
            vocab_size=len(vocabulary),
            cell=config.cell,
            embedding_dim=config.embedding_dim,
            hidden_size=config.hidden_size,
            num_layers=config.num_layers,
            dropout=config.dropout,
        )
        model = SmilesRNN(model_config).to(device)

    train_smiles, valid_smiles = _split(smiles, config)
    train_smiles, train_ids, train_lengths = _encode_all(train_smiles, vocabulary, config.skip_unknown_tokens)
    _, valid_ids, valid_lengths = _encode_all(valid_smiles, vocabulary, True)

    optimizer = torch.optim.Adam(model.parameters(), lr=config.learning_rate)
    sequences_budget = config.max_sequences or int(math.ceil(config.epochs * len(train_smiles)))
    total_steps = max(1, math.ceil(sequences_budget / config.batch_size))
    step, history, sequences_seen, elapsed_before = 0, [], 0, 0.0

    state_path = config.state_path
    if config.resume and state_path.is_file():
        state = torch.load(state_path, map_location="cpu", weights_only=True)
        if state["vocabulary"] != list(vocabulary.tokens) or state["model_config"] != model_config.to_dict():
            raise CorpusError(
                f"training state {state_path} belongs to a different corpus or model; "
                "delete it or choose another output"
            )
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        torch.set_rng_state(state["torch_rng"])
        step, history = state["step"], state["history"]
        sequences_seen, elapsed_before = state["sequences_seen"], state["elapsed_s"]
        if config.progress:
            print(f"resuming from step {step} of {total_steps} ({state_path})", flush=True)

    def training_metadata(final: bool) -> dict:
        return {
            "kind": "transfer-learning" if config.init else "pretraining",
            "corpus": str(config.corpus),
            "corpus_stats": {k: v for k, v in stats.to_dict().items() if k != "examples"},
            "n_train": len(train_smiles),
            "n_valid": int(len(valid_lengths)),
            "steps": step,
            "total_steps": total_steps,
            "sequences_seen": sequences_seen,
            "epochs_seen": sequences_seen / len(train_smiles),
            "finished": final,
            "valid_nll": history[-1]["valid_nll"] if history else None,
            "history": history,
            "wall_time_s": elapsed_before + (time.time() - started),
            "hardware": {
                "device": str(device),
                "cuda": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
                "cpu": platform.processor() or platform.machine(),
                "torch_threads": torch.get_num_threads(),
            },
            "torch_version": str(torch.__version__),
            "config": config.model_dump(),
            "init": config.init,
        }

    def save_state() -> None:
        state = {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "torch_rng": torch.get_rng_state(),
            "step": step,
            "history": history,
            "sequences_seen": sequences_seen,
            "elapsed_s": elapsed_before + (time.time() - started),
            "vocabulary": list(vocabulary.tokens),
            "model_config": model_config.to_dict(),
        }
        tmp = state_path.with_name(state_path.name + ".tmp")
        state_path.parent.mkdir(parents=True, exist_ok=True)
        torch.save(state, tmp)
        tmp.replace(state_path)
        Prior(model, vocabulary, training_metadata(False), device).save(config.output)

    batches_per_epoch = math.ceil(len(train_smiles) / config.batch_size)
    augment_rng = random.Random(config.seed)
    model.train()
    bar = tqdm(
        total=total_steps,
        initial=step,
        disable=not config.progress,
        unit="step",
        smoothing=0.05,
        mininterval=0.5 if sys.stderr.isatty() else 60,
    )
    running = None
    try:
        while step < total_steps:
            epoch, position = divmod(step, batches_per_epoch)
            batches = _epoch_batches(train_lengths, config.batch_size, config.seed, epoch)
            for index in batches[position:]:
                if step >= total_steps:
                    break
                if config.randomize:
                    batch = _randomized_batch([train_smiles[i] for i in index], vocabulary, augment_rng)
                else:
                    batch = _batch_tensor(train_ids, train_lengths, index)
                for group in optimizer.param_groups:
                    group["lr"] = learning_rate_at(step, total_steps, config)
                with torch.autocast(device.type, dtype=torch.bfloat16, enabled=config.precision == "bfloat16"):
                    loss = -model.sequence_log_likelihood(batch.to(device)).float().mean()
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.parameters(), config.clip_grad_norm)
                with deferred_interrupts():  # Ctrl-C inside Adam's update would save half-updated moments
                    optimizer.step()
                    step += 1
                    sequences_seen += len(index)
                running = loss.item() if running is None else 0.98 * running + 0.02 * loss.item()
                bar.update(1)
                bar.set_postfix(loss=f"{running:.2f}", epoch=f"{sequences_seen / len(train_smiles):.2f}", refresh=False)
                if step % config.validate_every == 0 or step == total_steps:
                    nll = validation_nll(model, valid_ids, valid_lengths, device)
                    history.append({"step": step, "train_loss": running, "valid_nll": nll, "lr": group["lr"]})
                    bar.write(f"step {step}/{total_steps}  train loss {running:.3f}  valid NLL {nll:.3f}")
                if step % config.checkpoint_every == 0:
                    save_state()
    except KeyboardInterrupt:
        bar.close()
        save_state()
        print(f"\ninterrupted at step {step}: state saved to {state_path}; run the same command to resume", flush=True)
        raise
    bar.close()
    prior = Prior(model, vocabulary, training_metadata(True), device)
    prior.save(config.output)
    state_path.unlink(missing_ok=True)
    return prior


__all__ = ["PretrainConfig", "PretrainConfigError", "learning_rate_at", "pretrain", "validation_nll"]
