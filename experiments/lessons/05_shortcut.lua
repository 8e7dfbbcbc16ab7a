-- Lesson 5: the limit of passive learning.  A model trained where A is never an ancestor of E
-- (experiments/shortcut.lua) explores A, sees A's effect on E in its own evidence, and still
-- never sets A for E.  The model steps need its checkpoint: `make lesson-models` trains it
-- (models/shortcut.ckpt, seed 1); without it the lesson runs and says so at those steps.
--   A -> E (+1.2), A -> B (+0.7), B -> D (+1.0), C -> D (-1.0), D -> E (+0.6)   (as in lesson 4)
local critical = {variables = 5, noise = 0.1,
                  edges = {{"A", "E", 1.2}, {"A", "B", 0.7}, {"B", "D", 1.0}, {"C", "D", -1.0}, {"D", "E", 0.6}}}

return lab.lesson{
  name = "The limit: a shortcut",
  about = "a model trained where A never causes E ignores its own evidence",
  model = "models/shortcut.ckpt",
  model_hint = "this step needs models/shortcut.ckpt: `make lesson-models` trains it (experiments/shortcut.lua, seed 1, a few minutes)",
  pace = 0.7,
  steps = {
    { title = "A stricter training set",
      narration = [[
Lesson 4's model never saw the arrow A -> E, but it did see worlds where A reaches E through
other variables. This model (experiments/shortcut.lua) saw none: in every world it read, A is never
an ancestor of E. Everything else is the same: the expert's episodes, 30,000 steps of training.]],
      world = critical, goal = "E",
      show = {"structure", "values"},
    },
    { title = "Predict",
      narration = [[
The same world as in lesson 4: A -> E, and A is the best last move (+8.1).]],
      show = {"structure", "values"},
      question = {ask = "This model explores A and sees E jump. Will it set A?",
                  options = {"yes", "no"}, answer = 2,
                  reveal = "Over the 500 critical episodes of the evaluation (goal E, best move on A) it made the oracle's move in none: 0.0%. In training, the answer to 'maximise E' was never A. The next step shows what it does here."},
    },
    { title = "The model acts",
      narration = [[
The model explores every variable once, A included: its evidence table has E up by about 8 under
do(A = 5), the largest rise in the E column.]],
      show = {"values", "evidence", "model"},
      action = "model",
      question = {ask = "Which last move will this model make?",
                  reveal = "This is one episode. Measured on 500 critical episodes (goal E, best move on A, evaluation seed 1000): the model chose the oracle's move in 0.0% of them."},
    },
    { title = "Its own evidence, ignored",
      narration = [[
On the critical episodes (evaluation seed 1000, docs/experiments.md) this model scores 0.395
[0.361, 0.428] of the oracle's reward; on its own exploration its last move agrees with the
expert's in 1.4% of them (with corr's in 18.9%). On the training worlds it scores 0.999.]],
      show = {"structure", "values", "evidence", "model", "baselines"},
      action = "model",
    },
    { title = "Below every heuristic",
      narration = [[
On those same critical episodes the baselines score corr 0.524, max_seen 0.646, parents 0.879:
the model is below every one of them exactly where the held-out relation matters, and at the
expert's level everywhere else.]],
      show = {"structure", "values", "evidence", "baselines"},
      action = "expert",
      question = {ask = "What did this model learn?",
                  options = {"to read the effects it measures", "never to set A for E", "to follow correlation"},
                  answer = 2,
                  reveal = "A shortcut: 'never A for E' fits every episode it read. Lesson 4's model, which saw A reach E through other paths, used the unseen direct link (critical 0.917)."},
    },
  },
}
