"""Collectors: one source file in, references out (Python on `ast`, Django/Jinja2 templates, JavaScript).

Each collector is a pure function of a file's path, text and the settings that matter to it; it never prints and
never fails the run (a file it cannot read becomes a `FileProblem`). Python references come out with symbolic
names (`PendingReference`), which `flaglint.resolve` names across files.
"""
