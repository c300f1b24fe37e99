import sys


def main():
    target = sys.argv[1]
    with open(target, "w") as fh:
        fh.write("reset\n")
