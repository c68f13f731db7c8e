"""The application floor: the use cases the command line calls, one function each, over a
:class:`~govnet.app.project.Project` (its files and its store).

A use case opens what it needs (the project's files, the store), calls the steps below it
and returns data; it never prints. The command line above parses, calls one of these and
renders.
"""
