"""The intermediate representation: a hash-consed node table.

``table`` is the compact node table and the exactly simplifying builder; ``compiler`` turns
a SymPy expression into it (linear forms, Piecewise conditions); ``cse`` reads common
subexpressions back out of shared nodes.
"""
