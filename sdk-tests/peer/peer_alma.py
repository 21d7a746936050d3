"""pytest plugin (and import hook for everyday.py): almapy's gateway table points at the local
Alma, `ALMA_PEER_BASE`. Nothing of almapy or its tests is changed."""

import os

import almapy._client as _client

_base = os.environ["ALMA_PEER_BASE"].rstrip("/")
for _region in list(_client._LOCATIONS):
    _client._LOCATIONS[_region] = _base
