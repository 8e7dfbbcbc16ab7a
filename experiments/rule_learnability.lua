-- How hard is each of the two rules of explanations_confound.lua alone?  (Issue 11: a
-- confounded learner takes the easier rule whatever it is told, so the two must be comparably
-- learnable before explanations can decide between them.)  Same world and stream as the
-- confound study, no explanations, no confound:
--   causal_only: the expert demonstrates, on episodes where the associational cue is NOT its
--                choice, so only the causal rule (read the effects seen in exploration) predicts
--                the exploit;
--   cue_only:    the `assoc` strategy demonstrates (it exploits the cue: the variable closest to
--                the goal in the passive snapshot, set the way exploration showed it acts), on
--                every episode, so only the cue predicts the exploit.
-- Compare the training loss curves (dolab report plots them) and what each model does on the
-- agree and disagree sets.
local dolab = require "dolab"

local world = { variables = 4, noise = 1.0, passive = 1 }

local function arm(name, mix)
  return lab.experiment{
    name = name,
    about = "One rule of the confound study alone (no confound, no explanations): " .. name
      .. ". The training loss curve says how fast the rule is learned; the agreement lines say "
      .. "which rule the model then follows where the two disagree.",
    world = world,
    train = { mix = { mix }, steps = 10000, batch = 32, lr = 3e-3, seed = 1, eval_every = 1000 },
    model = { layers = 2, dim = 64, heads = 4 },
    eval = dolab.confound_eval(1000),
  }
end

return {
  arm("causal_only", { weight = 1, accept = lab.assoc_disagrees() }),
  arm("cue_only", { weight = 1, demonstrator = "assoc" }),
}
