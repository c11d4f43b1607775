"""What a list answer must mean, as executable Python: the contract's oracle.

The JSON Schemas beside this package fix the shape of every exchange; this package fixes
what the answers mean (``reference``: which records a list request matches and in what
order; ``rules``: the named rules every check reports under; ``pages``: what one list answer
can show about itself). It lives in ``specs`` so that both sides that judge an implementation
import it without importing each other: the contract suites (``contract_tests``) and the
mock's verifying proxy (``mockserver.proxy``). It never imports the mock's engine.
"""
