"""Safe text -> SymPy: the front of the pipeline.

``parse`` (:func:`calcopt.parse`) reads an expression without ``eval`` through ``reader``
(the grammar and its limits) and ``vocabulary`` (the names it accepts, from the primitives
table); ``domains`` reads domains, boxes and points (:func:`calcopt.parse_domain`,
:func:`calcopt.parse_box`, :func:`calcopt.parse_point`).
"""
