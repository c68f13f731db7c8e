"""govnet's simulated lab: a district of routers served over real SSH on 127.0.0.1.

A package of its own beside the product (``govnet`` never imports it), installed with the
``lab`` extra (``pip install 'govnet[lab]'``, which alone pulls asyncssh); its commands
(``govnet lab up|down|status``, ``govnet demo``) join govnet's command line through the
entry point ``govnet.cli`` (:mod:`govnet_lab.cli`). Tests, the demo and the benchmarks
survey it as they would survey real routers.

Layout, from the top:

- ``cli``: the lab's commands on govnet's command line.
- ``control`` (start, stop, status of the server process), ``server`` (asyncssh, faults).
- engines: ``session`` (one shell), ``configure`` (configuration mode: patterns, views,
  model operations, shared handlers, the session), ``render`` (``display``/``show``),
  ``facts`` (the oracle: what a perfect survey reads), ``generate`` (a district from an
  inventory and a seed, with its ground truth).
- ``vendors``: one module per vendor (``huawei``, ``comware``, ``ios``) holding everything
  vendor-specific, and the registry the engines look vendors up in.
- ``shell``, ``render.common``, ``configure.patterns``/``syntax``/``operations``/
  ``handlers``: the parts vendors are made of; ``model`` and ``district``: the data.

The engines look a router's vendor up in the registry (which imports the vendor modules on
first use) and test for no particular vendor: **adding a vendor is adding one module to**
``govnet_lab/vendors/`` (see its docstring).
"""
