"""Trains PEPITA on MNIST from Python and prints each epoch's test accuracy.

    PYTHONPATH=build/python python3 examples/python/train_mnist.py --epochs 2 --max-batches 200

The data come from $PEPITA_DATA_DIR (or --data-dir), as for `pepita train`.
"""
import argparse

import pepita_flow as pf


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data-dir", default=None)
    parser.add_argument("--epochs", type=int, default=2)
    parser.add_argument("--max-batches", type=int, default=0, help="per epoch; 0: all")
    args = parser.parse_args()

    data = pf.load_dataset("mnist", data_dir=args.data_dir)
    config = pf.Config(rule="pepita", epochs=args.epochs, max_batches=args.max_batches)

    def report(metrics):
        print(f"epoch {metrics['epoch']}: test accuracy {metrics['test_accuracy']:.2f}%", flush=True)

    run = pf.train(config, data, callback=report)
    w1 = run.weights()["W1"]
    print(f"W1 {w1.shape}, |W1| = {(w1 ** 2).sum() ** 0.5:.3f}")
    for layer in run.layer_metrics():
        print(f"{layer['name']}: locking latency p50 {layer['locking_latency_seconds']['p50'] * 1e3:.3f} ms")


if __name__ == "__main__":
    main()
