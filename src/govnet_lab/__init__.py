"""govnet's simulated lab: a district of routers served over real SSH on 127.0.0.1.

A package of its own beside the product (``govnet`` never imports it), installed with the
``lab`` extra (``pip install 'govnet[lab]'``, which alone pulls asyncssh). Tests, the demo
and the benchmarks survey it as they would survey real routers.
"""
