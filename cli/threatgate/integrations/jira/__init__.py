"""Jira (Cloud REST v3 and Data Center REST v2): controls become tracked work, and the
status of that work flows back into the models.

``settings`` reads ``[jira]`` and the credentials from the environment, ``client`` speaks
the REST API (search paging, create, update, transitions, comments), ``labels`` ties an
issue to its model and control, ``payloads`` writes an issue's summary and description (ADF
for v3, wiki markup for v2), ``transitions`` closes the issues of controls that are no
longer work, ``push`` and ``sync`` are the two runs, ``outcome`` their summary.
"""
