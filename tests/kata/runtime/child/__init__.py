"""The subject process: where the student's code runs, apart from the tests that judge it.

server.py is the process's side (with codec.py, mainrun.py and the kata's state.py and
hotspot.py, copied into a folder of its own at the start of a run); process.py starts it,
holds its limits and ends it whole; sandbox.py says how it is walled in; codec.py is what
crosses; crossing.py keeps identity and changes in place across; errors.py turns the
student's exceptions, sent as facts, into exceptions here.
"""
