-- Lesson 1: what an intervention does.  do(X = v) cuts X from its causes and sets it; everything
-- downstream follows, nothing upstream moves.  Doing is not observing.
local chain = {variables = 3, edges = {{"A", "B", 1.5}, {"B", "C", -1.0}}, noise = 0.1}
local fork = {variables = 3, edges = {{"A", "B", 1.0}, {"A", "C", 1.0}}, noise = 0.1}

return lab.lesson{
  name = "What an intervention does",
  about = "do() cuts the incoming edges; doing is not observing",
  pace = 0.7,
  steps = {
    { title = "A chain",
      narration = [[
Three variables. A causes B (weight +1.5: one more A, one and a half more B).
B causes C (weight -1.0: one more B, one less C).

Left alone, every value hovers near 0: the boxes show one quiet observation.]],
      world = chain, goal = "C", passive = 1,
      show = {"structure", "values"},
    },
    { title = "do(A = 5)",
      narration = [[
We set A to 5 by hand: do(A = 5). B follows A (1.5 x 5 = 7.5) and C follows B (-7.5).
The effect runs down the arrows.]],
      show = {"structure", "values", "evidence"},
      action = {explore = {"A"}},
    },
    { title = "do(B = 5)",
      narration = [[
Now do(B = 5). Setting B cuts the arrow into B (marked ✕): A no longer has any say.]],
      show = {"structure", "values", "evidence"},
      action = {explore = {"B"}},
      question = {ask = "After do(B = 5), what happens to A?",
                  options = {"A goes up", "A goes down", "A stays near 0"}, answer = 3,
                  reveal = "A is upstream of B: intervening on B cannot reach it. Only descendants move."},
    },
    { title = "Doing is not observing",
      narration = [[
A fork: A causes both B and C. B and C rise and fall together whenever A moves,
so watching them you would say B and C go together.]],
      world = fork, goal = "C", passive = 3,
      show = {"structure", "values"},
      question = {ask = "If we set B to 5 by hand, what does C do?",
                  options = {"C goes up", "C stays near 0"}, answer = 2,
                  reveal = "B does not cause C; they share a cause, A. Observing B high tells you A was high; setting B tells you nothing about C."},
    },
    { title = "Check: do(B = 5) in the fork",
      narration = [[
Here it is: do(B = 5), then do(A = 5). Read the evidence table: under do(B), C stays at 0; under do(A), B and C both move.]],
      show = {"structure", "values", "evidence"},
      action = {explore = {"B", "A"}},
    },
    { title = "Which do() raises C?",
      narration = [[
Back to the chain, hidden this time: only the evidence. The expert tries each variable once (do = +5).]],
      world = chain, goal = "C",
      show = {"values", "evidence", "baselines"},
      action = "expert",
      question = {ask = "Which variable would you set to maximise C, and with which sign?",
                  reveal = "A- and B- both raise C: -5 x 1.5 x -1 = +7.5 through B, and B- gives +5. The expert picks the largest effect it measured."},
    },
  },
}
