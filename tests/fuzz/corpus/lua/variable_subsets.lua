-- Novel variable subsets (Lampinen et al. 2023, section 4.2): each episode cues three relevant
-- variables; the expert explores exactly those and exploits among them.  Cues that contain
-- both A and E never appear in training.
local dolab = require "dolab"

local has_a_and_e = dolab.cue_has("A", "E")

return lab.experiment{
  name = "variable_subsets",
  about = "Each episode names three relevant variables (cue A C E); the expert explores only "
    .. "those and sets one of them. Cues holding both A and E never appear in training. On "
    .. "held-out cues the model must explore exactly the cued variables (column 'explored') "
    .. "and exploit well.",
  world = { variables = 5, cue = 3 },
  train = {
    mix = { { weight = 1, accept = function(ep) return not has_a_and_e(ep) end } },
    steps = 30000, batch = 32, lr = 3e-3, seed = 1,
  },
  model = { layers = 2, dim = 64, heads = 4 },
  eval = {
    sets = {
      { name = "train_cues", worlds = "all", cue = 3,
        accept = function(ep) return not has_a_and_e(ep) end, episodes = 1000 },
      { name = "heldout_cues", worlds = "all", cue = 3, accept = has_a_and_e, episodes = 1000 },
    },
  },
}
