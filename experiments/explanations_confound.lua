-- Explanations decide which of two confounded rules a passive learner generalises
-- (Lampinen et al. 2023, section 4.3).  Each episode starts with a passive observation of the
-- system.  The associational cue is the variable that tracks the goal there (its value is
-- closest to the goal's), set the way exploration showed it acts on the goal.  In training that
-- cue is always the expert's causal choice; at test they disagree (a different variable).  The
-- cue's sign used to be always "+", so every training exploit was "+" and the disagree set
-- asked for "-" in 65% of its episodes, which no model had seen (docs/experiments.md).  Three arms: no explanations; explanations of the interventional effects;
-- explanations of the associational cue.  Which rule does the model follow in each?
local dolab = require "dolab"

-- Natural variation must be visible at the stream's 0.5 resolution, so the noise is larger
-- than the default (at 0.1 passive values round to 0.0 and the cue is invisible).  One
-- snapshot keeps the cue as easy to read as an effect; passive = 6 gives the correlation cue of
-- the first design, which the model could not learn (docs/experiments.md).
local world = { variables = 4, noise = 1.0, passive = 1 }

local function arm(name, explain_with)
  local explain = nil
  if explain_with == "cause" then
    explain = { after_observation = dolab.templates.effects, before_exploit = dolab.templates.cause,
                words = { "tracks" } }
  elseif explain_with == "assoc" then
    explain = { after_observation = "", nothing = "", before_exploit = dolab.templates.assoc,
                words = { "tracks" } }
  end
  local eval = dolab.confound_eval(1000)
  eval.explain = explain ~= nil
  return lab.experiment{
    name = name,
    about = "In training the associational cue (the variable that tracks the goal in the passive "
      .. "observation) and the causal choice always agree; at test they disagree. On the "
      .. "disagree set, the model's reward and its agreement with the expert tell which rule it "
      .. "learned (a model that follows the cue scores far below the expert there).",
    world = world,
    explain = explain,
    train = {
      mix = { { weight = 1, explain = explain ~= nil, accept = lab.assoc_agrees() } },
      steps = 30000, batch = 32, lr = 3e-3, seed = 1,
    },
    model = { layers = 2, dim = 64, heads = 4 },
    eval = eval,
  }
end

return {
  arm("confound_no_explanations", nil),
  arm("confound_causal_explanations", "cause"),
  arm("confound_assoc_explanations", "assoc"),
}
