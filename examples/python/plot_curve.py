"""Trains PEPITA and BP on MNIST for a few epochs and plots their test curves (docs/python.md).

    PYTHONPATH=build/python python3 examples/python/plot_curve.py --epochs 5 --out curve.png

Needs python3-matplotlib. The data come from $PEPITA_DATA_DIR (or --data-dir).
"""
import argparse

import matplotlib

matplotlib.use("Agg")  # files only: no display needed
import matplotlib.pyplot as plt
import matplotlib.ticker

import pepita_flow as pf


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--out", default="curve.png")
    args = parser.parse_args()

    data = pf.load_dataset("mnist", data_dir=args.data_dir)  # loaded once, shared by both runs
    figure, axis = plt.subplots(figsize=(6, 4))
    machine = ""
    for rule in ["pepita", "bp"]:
        run = pf.train(pf.Config(rule=rule, epochs=args.epochs), data)
        epochs = [m["epoch"] for m in run.history]
        accuracy = [m["test_accuracy"] for m in run.history]
        print(f"{rule}: " + ", ".join(f"{a:.2f}" for a in accuracy) + " % test accuracy by epoch")
        summary = run.summary()
        machine = summary["machine"]
        axis.plot(epochs, accuracy, marker="o", label=f"{rule} (η {summary['learning_rate']})")
    axis.set_xlabel("epoch")
    axis.set_ylabel("test accuracy (%)")
    axis.set_title(f"MNIST, 784-1024-10, paper settings, seed 0\n{machine}", fontsize=10)
    axis.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(integer=True))
    axis.legend()
    axis.grid(alpha=0.3)
    figure.tight_layout()
    figure.savefig(args.out, dpi=100)
    print(f"wrote {args.out} ({machine})")


if __name__ == "__main__":
    main()
