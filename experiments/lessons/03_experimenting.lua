-- Lesson 3: the experimenting strategy.  Explore each variable once (do = +5), read what the goal
-- did, then exploit the largest effect with the right sign.  Two shortcuts that look reasonable
-- and lose: repeat the best-looking intervention (max_seen, never flips a sign) and trust only
-- the direct causes (parents, misses effects through other variables).
--   A -> B (+1.0), B -> E (-1.5), A -> E (-0.5), C -> D (+1.2), D -> E (-1.0)
--   total effects on E: A -2.0 (= -0.5 + 1.0 x -1.5), B -1.5, C -1.2, D -1.0
local world = {variables = 5, noise = 0.1,
               edges = {{"A", "B", 1.0}, {"B", "E", -1.5}, {"A", "E", -0.5}, {"C", "D", 1.2}, {"D", "E", -1.0}}}

return lab.lesson{
  name = "The experimenting strategy",
  about = "explore each variable once, then exploit the largest effect",
  pace = 0.7,
  steps = {
    { title = "The game",
      narration = [[
An episode: first explore, setting each variable to +5 once (do(X = 5)) and looking at every
variable after each. Then the goal is named ("make E as large as possible") and you get one
last do(): any variable but E, at +5 or -5. Your reward is what E then is, on average.

We cannot see the arrows. We can only experiment.]],
      world = world, goal = "E",
      show = {"values"},
    },
    { title = "Explore",
      narration = [[
The expert explores: do(A = 5), do(B = 5), ... one row of the evidence table each. Read the E
column: every do() pushed E down, some more than others.]],
      show = {"values", "evidence"},
      action = "expert",
      question = {ask = "One do() left: which variable, which sign, to make E largest?",
                  reveal = "A- gives E +10: A lowered E the most (by 10 at +5), so setting A to -5 raises E the most. The expert reads exactly that off its table."},
    },
    { title = "Repeat what looked best",
      narration = [[
max_seen explores the same way, then repeats the exploration do() under which E was highest. It
never flips a sign, and here every +5 lowered E: its best is still a loss.]],
      show = {"values", "evidence", "baselines"},
      action = "max_seen",
    },
    { title = "Only the direct causes",
      narration = [[
parents knows which variables point straight at E and picks the strongest of those, with its
sign. B has the strongest arrow into E (-1.5), so it picks B-: +7.5. But A works through B as
well as directly: its total effect is -0.5 + 1.0 x -1.5 = -2.0.]],
      show = {"structure", "values", "evidence", "baselines"},
      action = "parents",
    },
    { title = "The world, drawn",
      narration = [[
The drawing explains the table: A pushes E down directly (-0.5) and through B (1.0 x -1.5). The
experimenting strategy never needed the drawing: one do() per variable measures each total
effect at once, whatever paths it takes.]],
      show = {"structure", "values", "evidence"},
      action = "expert",
    },
    { title = "Over a thousand worlds",
      narration = [[
dolab scored each strategy on the same 1,000 random worlds (5 variables, evaluation seed 1000,
docs/results.md), as a share of the best possible reward: the expert 1.000, parents 0.899
[0.884, 0.914], max_seen 0.650 [0.621, 0.677], corr 0.525 [0.496, 0.553].]],
      world = lab.world{variables = 5, seed = 5, noise = 0.1},
      show = {"structure", "values", "evidence", "baselines"},
      action = "expert",
      question = {ask = "Which shortcut came closest to the expert over the 1,000 worlds?",
                  options = {"max_seen", "parents", "corr"}, answer = 2,
                  reveal = "parents, 0.899: most effects run along direct arrows, and it has the signs right. max_seen 0.650, corr 0.525."},
    },
  },
}
