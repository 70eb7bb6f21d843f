import sys
from pathlib import Path

# tests import shared fixtures such as known_answers as top-level modules
sys.path.insert(0, str(Path(__file__).parent))
