"""Automatic differentiation on the node table.

``sweeps`` holds forward and reverse mode as table transforms; ``sparsity`` the Hessian
pattern and its distance-2 colouring (networkx); ``cost`` the operation-count report.
"""
