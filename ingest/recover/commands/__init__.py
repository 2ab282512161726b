"""The CLI verbs: one module each, with add_arguments(parser) and run(args) -> exit code.

A verb parses its arguments, calls the role package that does the work and prints the outcome:
expected failures (bad input, bad arguments, a lock held) as one line on stderr, never a
traceback. No verb imports another.
"""
