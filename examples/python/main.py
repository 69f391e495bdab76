"""Entry point: `python3 main.py` from this folder (or with its path) runs the recommendations service."""

from recommendations.service import run

if __name__ == "__main__":
    run()
