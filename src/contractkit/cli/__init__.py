"""The ``contractkit`` command line. Each subcommand lives in its own module here.

Command modules import only the standard library at top level; the work they dispatch to is
imported inside ``run`` so that ``contractkit lint`` never pays for schemathesis, hypothesis or mcp.
"""
