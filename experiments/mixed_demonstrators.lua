-- Learning from demonstrators of mixed quality (issue 14; decision transformers and
-- upside-down RL condition a sequence model on a signal of quality).  The passive stream mixes
-- three demonstrators on the worlds of heldout_links (the link A -> E never appears in
-- training): the expert (35%), max_seen (45%: explores like the expert, then repeats the
-- intervention under which the goal was highest, never flipping a sign) and random (20%).
-- Most demonstrations are poor, and the most common exploit is max_seen's.
--   mixed_unconditioned        the stream as it is: the model should imitate the mixture
--   mixed_demonstrator_token   each episode starts with its demonstrator's name; at test the
--                              model is asked for "expert"
--   mixed_reward_token         each episode starts with its reward bucket (hindsight: q_neg,
--                              q_low, q_mid, q_high); at test the model is asked for "q_high"
-- A conditioned model can be asked for any quality its training wrote:
--   dolab eval runs/.../mixed_demonstrator_token.ckpt --quality max_seen
local dolab = require "dolab"

local world = { variables = 5, edge_prob = 0.5, weights = { 0.5, 1.5 }, noise = 0.1 }

local function arm(name, quality, ask)
  local function part(who, weight)
    return { weight = weight, demonstrator = who, quality = quality }
  end
  return lab.experiment{
    name = name,
    about = "The passive stream mixes the expert (35%), max_seen (45%) and random (20%) on worlds "
      .. "without the link A->E. Unconditioned, a model imitates the mixture; with a quality token "
      .. "(the demonstrator's name, or the episode's reward bucket) it can be asked to act like the "
      .. "best demonstrations. Compare the model's row with expert and max_seen on each set.",
    world = world,
    heldout = lab.link("A", "E"),
    train = {
      mix = { part("expert", 0.35), part("max_seen", 0.45), part("random", 0.2) },
      steps = 30000, batch = 32, lr = 3e-3, seed = 1,
    },
    model = { layers = 2, dim = 64, heads = 4 },
    eval = { quality = ask, sets = dolab.standard_sets("A", "E", 1000) },
  }
end

return {
  arm("mixed_unconditioned", nil, nil),
  arm("mixed_demonstrator_token", "demonstrator", "expert"),
  arm("mixed_reward_token", "reward", "q_high"),
}
