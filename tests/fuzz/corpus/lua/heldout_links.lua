-- Held-out causal links (Lampinen et al. 2023, section 4.1): the passive stream never contains
-- a world with the causal link A -> E.  At test the model acts on worlds that have it.
local dolab = require "dolab"

return lab.experiment{
  name = "heldout_links",
  about = "Training never contains a world with the causal link A->E. At test the model acts on "
    .. "worlds that have it; on the critical episodes (goal E, best action on A) only that link "
    .. "makes A the answer, so the model must discover and use it from its own interventions. "
    .. "Read the model's row against corr and max_seen: a causal strategy stays near the oracle "
    .. "on the critical set, where the heuristics fall short.",
  world = { variables = 5, edge_prob = 0.5, weights = { 0.5, 1.5 }, noise = 0.1 },
  heldout = lab.link("A", "E"),
  train = { steps = 30000, batch = 32, lr = 3e-3, seed = 1 },
  model = { layers = 2, dim = 64, heads = 4 },
  eval = { sets = dolab.standard_sets("A", "E", 1000) },
}
