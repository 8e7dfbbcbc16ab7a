-- Novel variable subsets, the design that separates two explanations of the gap in
-- variable_subsets.lua (issue 11).  There, the held-out cues are every cue holding both A and E,
-- so training never shows A and E together and "set A for goal E" never occurs: a model that
-- learned "never A for E" (the shortcut of shortcut.lua) fails them without failing novel
-- subsets as such.  Here the held-out cues are two whole sets, {A, B, C} and {C, D, E}, each of
-- whose pairs appears in training in other cues (AB in ABD, AC in ACE, CD in BCD, DE in ADE...),
-- so every "set X for goal Y" occurs in training and only the combination is new.
--   the shortcut explains the gap  ->  here the model is near the expert on the held-out sets
--   novel subsets are hard as such  ->  here it falls short too
local dolab = require "dolab"

-- a cue holds three variables, so holding all three of a set is being that set
local held = dolab.any_of(dolab.cue_has("A", "B", "C"), dolab.cue_has("C", "D", "E"))
local not_held = dolab.negate(held)

return lab.experiment{
  name = "variable_subsets_sets",
  about = "Each episode names three relevant variables; the expert explores only those and sets "
    .. "one of them. The cue sets {A,B,C} and {C,D,E} never appear in training, but every pair of "
    .. "variables does, in other cues. Compare the held-out sets with variable_subsets.lua, "
    .. "whose held-out cues hold a pair (A, E) never seen together.",
  world = { variables = 5, cue = 3 },
  train = {
    mix = { { weight = 1, accept = not_held } },
    steps = 30000, batch = 32, lr = 3e-3, seed = 1,
  },
  model = { layers = 2, dim = 64, heads = 4 },
  eval = {
    sets = {
      { name = "train_cues", worlds = "all", cue = 3, accept = not_held, episodes = 1000 },
      { name = "heldout_sets", worlds = "all", cue = 3, accept = held, episodes = 1000 },
    },
  },
}
