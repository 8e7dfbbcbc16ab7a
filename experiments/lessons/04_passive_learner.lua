-- Lesson 4: a passive learner learns to experiment.  The shipped model (models/default.ckpt,
-- `make model`: experiments/heldout_links.lua, seed 1) only ever read the expert's episodes, in
-- worlds that never contain the edge A -> E.  Here it acts for itself in a world with that edge.
--   A -> E (+1.2), A -> B (+0.7), B -> D (+1.0), C -> D (-1.0), D -> E (+0.6)
--   total effects on E: A +1.62 (1.2 + 0.7 x 1.0 x 0.6), B +0.6, C -0.6, D +0.6
local held_out = {variables = 5, noise = 0.1,
                  edges = {{"A", "E", 1.2}, {"A", "B", 0.7}, {"B", "D", 1.0}, {"C", "D", -1.0}, {"D", "E", 0.6}}}
local seen = {variables = 5, noise = 0.1,
              edges = {{"A", "B", 1.0}, {"B", "E", -1.2}, {"C", "E", 0.8}, {"D", "C", 0.9}}}

return lab.lesson{
  name = "A passive learner learns to experiment",
  about = "the shipped model on a world with the link it never saw",
  pace = 0.7,
  steps = {
    { title = "What the model saw",
      narration = [[
The model is a small transformer (2 layers, 109,504 parameters). It never acted during training:
it read 960,000 episodes of the expert exploring and exploiting, one token at a time, and learned
to predict the expert's next move. Here is one such episode, played by the expert.

No world it read contained the arrow A -> E.]],
      world = seen, goal = "E",
      show = {"structure", "values", "evidence"},
      action = "expert",
    },
    { title = "A world with the held-out link",
      narration = [[
This world has A -> E (+1.2), the link the model never saw. A also reaches E through B and D.
The best last move is A+: its total effect on E is 1.2 + 0.7 x 1.0 x 0.6 = 1.62 per unit.]],
      world = held_out, goal = "E",
      show = {"structure", "values"},
      question = {ask = "Will a model that never saw A -> E explore A and then set it?",
                  options = {"yes", "no", "it cannot know"}, answer = 1,
                  reveal = "It does (next step). A strategy is not a list of worlds: it explores every variable and sets the one whose effect it measured."},
    },
    { title = "The model explores",
      narration = [[
Now the model acts for itself: it chooses each exploration do() and, after the goal is named, its
last move. The bars are its probabilities for each choice. It explores each variable once, as the
expert did.]],
      show = {"values", "evidence", "model"},
      action = "model",
      question = {ask = "Read its evidence table: which last move will the model make?",
                  reveal = "The model sets A+, as the expert and the oracle do: it read the effect of A on E off its own do(A = 5)."},
    },
    { title = "Its evidence and its choice",
      narration = [[
Under do(A = 5), E went up by about 8: the largest rise in the E column. The model's exploit
follows the effect it measured, through a link absent from everything it read. corr, which
follows the association instead, picks differently here.]],
      show = {"structure", "values", "evidence", "model", "baselines"},
      action = "model",
    },
    { title = "Measured over many worlds",
      narration = [[
The shipped model on 1,000 held-out worlds (all with A -> E; evaluation seed 1000;
docs/results.md): 0.988 [0.984, 0.992] of the oracle's reward. On the 500 critical ones (goal E,
best move on A, so only the unseen link makes A the answer): 0.917 [0.898, 0.935]. On the same
critical episodes corr gets 0.510, max_seen 0.628, parents 0.903.

Five training seeds of the same experiment: critical 0.958 on average [0.911, 0.999]; three of the
five are at the expert's level.]],
      show = {"structure", "values", "evidence", "model", "baselines"},
      action = "model",
      question = {ask = "On the critical held-out episodes, did the model beat following correlation?",
                  options = {"yes, by far", "about the same", "no"}, answer = 1,
                  reveal = "0.917 against corr's 0.510 on the same 500 episodes (docs/results.md, the shipped model)."},
    },
  },
}
