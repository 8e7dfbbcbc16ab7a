-- two arms for the sweep tests (tests/cli/test_sweep.sh, tests/slurm/test_slurm.sh): one and two layers
local function arm(name, layers)
  return lab.experiment{
    name = name,
    train = { steps = 40, batch = 8 },
    model = { layers = layers, dim = 16, heads = 2 },
    eval = { episodes = 40, strategies = { "oracle", "corr" } },
  }
end
return { arm("one_layer", 1), arm("two_layers", 2) }
