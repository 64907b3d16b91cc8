"""MI-Scaling: auto-mutual information of sequences and of the models that generate them.

Reproduces H. Shen, *Mutual Information Scaling and Expressive Power of Sequence Models* (2019).
"""

__version__ = "0.1.0"
