"""Generated code: straight-line Python from a node table, compiled once and reused.

``source`` writes the scalar (``math``) and array (``numpy``) programs; ``mean`` the
sample-mean programs over stacked data (linear forms as one mat-vec); ``program`` holds
:class:`~calcopt.codegen.program.Program`, where points and data meet the generated code.
"""
