"""Write a pretraining state that continues the shipped prior over the rest of its first epoch.

The shipped prior stopped after 3,907 steps (1,000,079 sequences, 0.63 epoch) and its training
state was deleted when it finished. This rebuilds that state from the saved weights, with a fresh
Adam optimiser (its moments were not kept), so that `molmara pretrain` with the same corpus, seed
and model options resumes at step 3,907 and trains on the 37% of the epoch's batches the prior has
not seen, in the same data order. Run it, then the printed command.

    python scripts/continue_prior.py --prior molmara/data/priors/moses_gru.prior --output /tmp/moses_gru_v2.prior
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

import torch

from molmara.model.prior import Prior


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--prior", default="molmara/data/priors/moses_gru.prior")
    parser.add_argument("--output", required=True, help="the continued prior; its state file is written beside it")
    parser.add_argument("--start-lr", type=float, default=2.5e-4, help="learning rate at the first continued step")
    parser.add_argument("--min-lr", type=float, default=1e-5)
    args = parser.parse_args()

    prior = Prior.load(args.prior, "cpu")
    meta = prior.metadata
    config = meta["config"]
    n_train, step = meta["n_train"], meta["steps"]
    total_steps = math.ceil(n_train / config["batch_size"])
    warmup = config["warmup_steps"]
    cosine = 0.5 * (1 + math.cos(math.pi * (step - warmup) / (total_steps - warmup)))
    peak_lr = args.min_lr + (args.start_lr - args.min_lr) / cosine

    optimizer = torch.optim.Adam(prior.model.parameters(), lr=peak_lr)
    torch.manual_seed(config["seed"])
    state = {
        "model": prior.model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "torch_rng": torch.get_rng_state(),
        "step": step,
        "history": meta["history"],
        "sequences_seen": meta["sequences_seen"],
        "elapsed_s": meta["wall_time_s"],
        "vocabulary": list(prior.vocabulary.tokens),
        "model_config": prior.model.config.to_dict(),
    }
    output = Path(args.output)
    state_path = output.with_name(output.name + ".state")
    torch.save(state, state_path)
    print(f"wrote {state_path}: step {step} of {total_steps}; lr {args.start_lr:g} -> {args.min_lr:g}")
    print(
        f"molmara pretrain --corpus {config['corpus']} --output {output} --cell {config['cell']} "
        f"--embedding-dim {config['embedding_dim']} --hidden-size {config['hidden_size']} "
        f"--num-layers {config['num_layers']} --max-sequences {n_train} --batch-size {config['batch_size']} "
        f"--learning-rate {peak_lr:.6g} --min-learning-rate {args.min_lr:g} --warmup-steps {warmup} "
        f"--validate-every 250 --checkpoint-every 250 --seed {config['seed']} --n-jobs 2"
    )


if __name__ == "__main__":
    main()
