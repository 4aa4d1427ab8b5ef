"""Simulated platform histories: one scenario per model of the seed, and a mixed one.

Each scenario is a seeded, deterministic generator of the records the evaluation reads
(organizations, datasets, apps with actor types, reuses, daily calls and downloads,
suspensions). They give the engine ground truth to be tested against and the demo
something to show until the simulator writes through the real services.
"""
