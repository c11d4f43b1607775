"""The list engine: a list request parsed into a typed query, and that query run against a namespace.

Pure: records and a parsed request in, one page out; no HTTP in here (docs/list-semantics.md).
"""

from mockserver.query.model import ListQuery
from mockserver.query.parse import parse_list_request
from mockserver.query.run import Interactions, run_query

__all__ = ["Interactions", "ListQuery", "parse_list_request", "run_query"]
