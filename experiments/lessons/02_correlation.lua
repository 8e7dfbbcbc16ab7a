-- Lesson 2: correlation is not causation.  In a confounded world the variables that move with
-- the goal are not the ones that move it: the `corr` baseline follows the association and
-- loses against the expert, who reads the effects of its own interventions.
--   A -> B (+1.5) and A -> D (+1.0): A is a common cause of B and D (a confounder);
--   C -> D (-1.5): the real lever, with a minus sign;  D -> E (+2.0): E is an effect of D.
local world = {variables = 5, noise = 1.0,
               edges = {{"A", "B", 1.5}, {"A", "D", 1.0}, {"C", "D", -1.5}, {"D", "E", 2.0}}}

return lab.lesson{
  name = "Correlation is not causation",
  about = "a confounded world where following correlation loses",
  pace = 0.7,
  steps = {
    { title = "Watching",
      narration = [[
Five variables; the goal is to make D as large as possible. Before anyone touches anything we
only watch: six snapshots of the system running by itself (the "obs" rows; noise sd 1, so the
values wander).

Look down the columns: which ones rise and fall with D?]],
      world = world, goal = "D", passive = 6, seed = 3,
      show = {"values", "evidence"},
      question = {ask = "Which variable moves most with D when we only watch?",
                  options = {"A", "B", "C", "E"}, answer = 4,
                  reveal = "E tracks D closely (E is twice D plus noise), and B goes with D too. C moves against D."},
    },
    { title = "A guess from watching",
      narration = [[
E goes with D, so pushing E up should push D up. Should it?]],
      passive = 6,
      show = {"values", "evidence"},
      question = {ask = "To raise D, would you set E high?",
                  options = {"yes, E up", "no, E down", "E does not move D"}, answer = 3,
                  reveal = "E is an effect of D, not a cause: setting E cuts it from D and D does not notice."},
    },
    { title = "The world, drawn",
      narration = [[
Here is the world. A causes B (+1.5) and D (+1.0): B and D rise together because they share a
cause, A (a confounder), not because one moves the other. D causes E (+2.0): E follows D. C pulls D
down (-1.5): C is the real lever, with a minus sign.]],
      passive = 6,
      show = {"structure", "values", "evidence"},
    },
    { title = "Experimenting",
      narration = [[
The expert does not trust the watching. It sets each variable to +5 once (do(X = 5)) and reads
what D does. Under do(E = 5), D does not move; under do(C = 5), D drops.]],
      show = {"values", "evidence"},
      action = "expert",
      question = {ask = "Which do() maximises D: which variable, and which sign?",
                  reveal = "C- gives D +7.5 (-5 x -1.5). The expert reads it off its own table. corr picks the variable most correlated with D over everything it saw: E, which does nothing."},
    },
    { title = "Correlation's choice",
      narration = [[
The corr baseline explores exactly like the expert, then picks the variable most correlated with
the goal over every sample it saw, with that correlation's sign. Here that is E+: reward 0. The
expert's C- earns 7.5; max_seen repeats its best +5 do() (A+) and earns 5.]],
      show = {"structure", "values", "evidence", "baselines"},
      action = "corr",
    },
    { title = "Over a thousand worlds",
      narration = [[
One world is an anecdote. dolab scored every baseline on the same 1,000 random worlds (5
variables, evaluation seed 1000; docs/results.md): the expert reaches 1.000 of the best possible
reward, corr 0.525 [0.496, 0.553], max_seen 0.650, parents 0.899.

Here is another random world, played by the expert, with every baseline's choice beside it.]],
      world = lab.world{variables = 5, seed = 11, noise = 0.1},
      show = {"structure", "values", "evidence", "baselines"},
      action = "expert",
      question = {ask = "On those 1,000 worlds, what share of the best reward does following correlation get?",
                  options = {"about all of it", "about half", "about none"}, answer = 2,
                  reveal = "corr: 0.525 [0.496, 0.553] of the oracle's reward; the expert 1.000 (docs/results.md, training worlds, evaluation seed 1000)."},
    },
  },
}
