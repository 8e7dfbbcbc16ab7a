-- dolab.lua: dolab's own Lua library, for experiment scripts and the TUI's command line.
--
--   local dolab = require "dolab"      -- everything in `lab`, plus the helpers below
--
-- Everything here is plain Lua on top of the C API (`lab.experiment`, `lab.world`,
-- `lab.episode`, `lab.link`, `lab.ancestor`, `lab.assoc_agrees`, `lab.assoc_disagrees`).
-- See docs/lua-api.md; lua/dolab.d.lua has the annotations editors use.

local M = setmetatable({}, { __index = lab })

-- Explanation templates (see docs/lua-api.md for the placeholders).
M.templates = {
  -- after each observation, once per variable the intervention moved
  effects = "{actor} {verb} {variable}",
  -- before the exploit: the interventional reason for the choice
  cause = "{choice} {verb} {goal}",
  -- before the exploit: the associational cue, whatever the choice
  assoc = "{assoc} tracks {goal}",
}

-- Graph predicates: functions of a graph, for `heldout` and for evaluation sets' `where`.
function M.path(a, b)
  return function(g) return g:is_ancestor(a, b) end
end

function M.no_path(a, b)
  return function(g) return not g:is_ancestor(a, b) end
end

function M.edge(a, b)
  return function(g) return g:edge(a, b) end
end

function M.negate(f)
  return function(g) return not f(g) end
end

function M.all_of(...)
  local fs = { ... }
  return function(g)
    for _, f in ipairs(fs) do if not f(g) then return false end end
    return true
  end
end

function M.any_of(...)
  local fs = { ... }
  return function(g)
    for _, f in ipairs(fs) do if f(g) then return true end end
    return false
  end
end

-- Episode helpers, for `accept` filters of training mixes and evaluation sets.
-- Does the episode's cue contain every one of the given variables?
function M.cue_has(...)
  local want = { ... }
  return function(ep)
    local set = {}
    for _, v in ipairs(ep.cue or {}) do set[v] = true end
    for _, v in ipairs(want) do if not set[v] then return false end end
    return true
  end
end

-- The three evaluation sets of a held-out-link experiment: training worlds, held-out worlds,
-- and the critical episodes whose goal is `goal` and whose best action is on `cause`.
function M.standard_sets(cause, goal, episodes)
  episodes = episodes or 1000
  return {
    { name = "train", worlds = "train", episodes = episodes },
    { name = "heldout", worlds = "heldout", episodes = episodes },
    { name = "critical", worlds = "heldout", goal = goal, best = cause, episodes = episodes // 2 },
  }
end

-- The evaluation of a confound study (explanations_confound.lua, rule_learnability.lua): the
-- episodes where the associational cue is the expert's choice and those where it is not, with
-- `assoc` (follow the cue) among the baselines so it joins the agreement line.
function M.confound_eval(episodes)
  episodes = episodes or 1000
  return {
    strategies = { "expert", "oracle", "corr", "assoc", "max_seen", "parents", "random" },
    sets = {
      { name = "agree", worlds = "all", accept = lab.assoc_agrees(), episodes = episodes },
      { name = "disagree", worlds = "all", accept = lab.assoc_disagrees(), episodes = episodes },
    },
  }
end

-- A readable line for an episode table (lab.episode's result).
function M.describe(ep)
  local parts = {}
  for _, s in ipairs(ep.steps) do parts[#parts + 1] = "do " .. s["do"] end
  local ex = ep.exploit and string.format("; exploit do %s=%+g, normalised reward %.2f",
    ep.exploit["do"], ep.exploit.value, ep.normalised_reward) or ""
  return string.format("goal %s: %s%s", ep.goal, table.concat(parts, ", "), ex)
end

return M
