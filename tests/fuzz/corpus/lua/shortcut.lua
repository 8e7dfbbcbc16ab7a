-- The limit of passive learning: training never contains a world in which A is an ancestor of
-- E at all.  A passive learner can take the shortcut "never choose A for goal E", and then it
-- ignores the evidence of its own interventions.
local dolab = require "dolab"

return lab.experiment{
  name = "shortcut",
  about = "Training never contains a world where A is an ancestor of E. On the critical episodes "
    .. "(goal E, best action on A) the model's own exploration shows A's effect on E, yet a "
    .. "passive learner may have learned 'never A for E'. The agreement line shows which rule it "
    .. "followed: low agreement with the expert (run on the model's own exploration) means it "
    .. "ignored evidence that was in its context.",
  world = { variables = 5 },
  heldout = lab.ancestor("A", "E"),
  train = { steps = 30000, batch = 32, lr = 3e-3, seed = 1 },
  model = { layers = 2, dim = 64, heads = 4 },
  eval = { sets = dolab.standard_sets("A", "E", 1000) },
}
