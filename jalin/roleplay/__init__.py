"""Practice sessions with a simulated counselee (a simulation for training, never for real counselees).

``scenario`` reads the scenarios (YAML data), ``engine`` plays the counselee, ``debrief`` and ``hints``
turn its state into feedback. These modules never import Django; the web app lives in ``models``,
``services`` and ``views``.
"""
