"""
The operations of the corpus comparison, done by python-crontab (Debian's python3-crontab with
python3-croniter), for test/python-crontab-corpus.test.ts. Reads JSON from stdin:
{"lines": [...], "files": {name: [text, system]}, "starts": [ISO instants], "finds": {...}} and prints
JSON with, per line, python-crontab's verdict, the jobs it reads, its rendering, its rendering
with the job disabled, and next/previous run times in UTC; per file, its rendering and what its
find_command / find_comment return.
"""
import json
import logging
import re
import sys
from datetime import datetime, timezone

from crontab import CronTab

logging.disable(logging.CRITICAL)  # python-crontab logs every line it cannot read


def when(text):
    return datetime.fromisoformat(text.replace('Z', '+00:00'))


def job_facts(job, starts):
    facts = {
        'enabled': job.is_enabled(),
        'valid': job.is_valid(),
        'command': job.command,
        'comment': job.comment or None,
        'stdin': job.stdin,
        'user': job.user,
        'special': job.slices.special or None,
        'values': [sorted({int(value) for value in field}) for field in job.slices],
        'runs': {},
    }
    if job.is_valid() and job.slices.special != '@reboot':
        for start in starts:
            found = []
            for way in ('get_next', 'get_prev'):
                try:
                    run = getattr(job.schedule(date_from=when(start)), way)(datetime)
                    found.append(run.astimezone(timezone.utc).isoformat())
                except Exception:  # croniter gives up on far runs, or cannot read the fields
                    found.append(None)
            facts['runs'][start] = found
    return facts


def line_facts(line, starts):
    text = line + '\n'
    try:
        tab = CronTab(tab=text)
    except Exception as error:  # pylint: disable=broad-except
        return {'verdict': 'crash', 'reason': repr(error)}
    try:
        tab.render(errors=True)
        verdict, reason = 'accepted', None
    except Exception as error:  # pylint: disable=broad-except
        verdict, reason = 'refused', str(error)
    facts = {'verdict': verdict, 'reason': reason, 'jobs': [], 'render': None, 'disabled': None}
    try:
        facts['render'] = tab.render()
    except Exception as error:  # pylint: disable=broad-except
        facts['render_error'] = str(error)
    for job in tab.crons:
        facts['jobs'].append(job_facts(job, starts))
    if len(tab.crons) == 1 and tab.crons[0].is_valid():
        job = tab.crons[0]
        was = job.is_enabled()
        job.enable(not was)
        facts['toggled'] = tab.render()
        job.enable(was)
        facts['toggled_back'] = tab.render()
    return facts


def file_facts(text, system, finds):
    try:
        tab = CronTab(tab=text, user=False if system else None)
    except Exception as error:  # pylint: disable=broad-except
        return {'error': repr(error)}
    found = {}
    for key, (kind, pattern, is_regex) in finds.items():
        query = re.compile(pattern) if is_regex else pattern
        jobs = tab.find_command(query) if kind == 'command' else tab.find_comment(query)
        found[key] = [job.command for job in jobs]
    return {'render': tab.render(), 'found': found}


def main():
    request = json.load(sys.stdin)
    out = {
        'lines': [line_facts(line, request['starts']) for line in request['lines']],
        'files': {
            name: file_facts(text, system, request['finds'])
            for name, (text, system) in request['files'].items()
        },
    }
    json.dump(out, sys.stdout)


main()
