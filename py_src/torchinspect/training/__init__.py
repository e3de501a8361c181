"""``torchinspect.watch(model, optimizer)``: training followed step by step, in the notebook.

``statistics`` reduces activations and gradients on their device, ``recorder`` holds the hooks
and assembles each step with one host sync, ``history`` keeps a bounded number of step columns,
``flags`` says in words what looks wrong, ``payload`` shapes what the page receives
(torchinspect.watch/1) and ``widget`` shows it while the training cell runs. The package is not
named ``watch``: importing it would bind it to ``torchinspect.watch``, over the function.
"""
