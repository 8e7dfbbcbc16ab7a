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
  -- The recipe for time to result (docs/results.md, issue 13): a narrow model on a large batch;
  -- value tokens that start out carrying their number; a development evaluation every 250 steps
  -- that ends training once it reaches 0.98, after a 1,000-step cooldown of the rate; a new
  -- initialisation if a start is still on the first plateau (below 0.2) after 4,000 steps.
  -- `steps` is the ceiling, rarely reached.
  train = { steps = 30000, batch = 64, lr = 3e-3, seed = 1, eval_every = 250, stop_at = 0.98, cooldown = 1000,
            restart_below = 0.2, restart_after = 4000 },
  model = { layers = 2, dim = 32, heads = 4, value_init = 8 },
  eval = { sets = dolab.standard_sets("A", "E", 1000) },
}
