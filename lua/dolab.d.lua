---@meta
-- LuaCATS annotations for dolab's Lua API (lua-language-server reads them; dolab does not).

---@alias dolab.Var "A"|"B"|"C"|"D"|"E"|"F"|"G"|"H"

---@class dolab.Graph
---@field n integer number of variables
local Graph = {}
---@return dolab.Var[]
function Graph:variables() end
---@param a dolab.Var @param b dolab.Var
---@return boolean
function Graph:edge(a, b) end
---@return number weight of a -> b (0 if none)
function Graph:weight(a, b) end
---@return dolab.Var[]
function Graph:parents(v) end
---@return dolab.Var[]
function Graph:children(v) end
---@return dolab.Var[]
function Graph:ancestors(v) end
---@return dolab.Var[]
function Graph:descendants(v) end
---@return boolean
function Graph:is_ancestor(a, b) end
---@return number total causal effect of a on b
function Graph:effect(a, b) end
---@return string structure id (hex)
function Graph:id() end
---@return {[1]: dolab.Var, [2]: dolab.Var, [3]: number}[]
function Graph:edges() end

---@class dolab.World: dolab.Graph
local World = {}
---@return table<dolab.Var, number>
function World:sample() end
---@param v dolab.Var|table<dolab.Var, number> @param value? number
---@return table<dolab.Var, number>
function World:intervene(v, value) end
---@return dolab.Graph
function World:graph() end

---@class dolab.Episode
---@field goal dolab.Var
---@field best dolab.Var
---@field best_sign integer
---@field graph dolab.Graph
---@field passive table<dolab.Var, number>[]
---@field steps {do: dolab.Var, value: number, observed: table<dolab.Var, number>}[]
---@field cue? dolab.Var[]
---@field assoc? dolab.Var
---@field assoc_sign? integer
---@field exploit? {do: dolab.Var, value: number}
---@field reward? number
---@field normalised_reward? number

---@class dolab.WorldSpec
---@field variables? integer
---@field edge_prob? number
---@field weights? {[1]: number, [2]: number}
---@field noise? number
---@field value? number
---@field exploit_value? number
---@field passive? integer
---@field explore? integer
---@field cue? integer

---@alias dolab.GraphPred fun(g: dolab.Graph): boolean
---@alias dolab.EpisodeFilter fun(ep: dolab.Episode): boolean

---@class dolab.MixComponent
---@field weight? number
---@field explain? boolean
---@field demonstrator? string  # the strategy that acts in these episodes (default "expert")
---@field quality? "demonstrator"|"reward"  # a quality token before each episode
---@field accept? dolab.EpisodeFilter|userdata
---@field passive? integer
---@field noise? number
---@field explore? integer
---@field cue? integer
---@field value? number

---@class dolab.TrainSpec
---@field mix? dolab.MixComponent[]
---@field steps? integer
---@field batch? integer
---@field lr? number
---@field lr_min? number
---@field warmup? number
---@field betas? {[1]: number, [2]: number}
---@field weight_decay? number
---@field grad_clip? number
---@field seed? integer
---@field threads? 1|2
---@field loss_weights? {action?: number, explanation?: number, observation?: number, goal?: number}
---@field eval_every? integer

---@class dolab.ExplainSpec
---@field after_observation? string|fun(step: table): string
---@field nothing? string
---@field before_exploit? string|fun(step: table): string
---@field words? string[]
---@field threshold? number

---@class dolab.EvalSet
---@field name? string
---@field worlds? "train"|"heldout"|"all"
---@field where? dolab.GraphPred|userdata
---@field goal? dolab.Var
---@field best? dolab.Var
---@field cue? integer
---@field accept? dolab.EpisodeFilter|userdata
---@field episodes? integer

---@class dolab.ExperimentSpec
---@field name? string
---@field about? string
---@field world? dolab.WorldSpec
---@field heldout? dolab.GraphPred|userdata
---@field train? dolab.TrainSpec
---@field model? {layers?: integer, dim?: integer, heads?: integer, context?: integer}
---@field explain? dolab.ExplainSpec
---@field eval? {sets?: dolab.EvalSet[], episodes?: integer, strategies?: string[], seed?: integer, explain?: boolean, quality?: string, agents?: table[]}

---@class dolab.lab
---@field quick boolean true under `dolab run --quick`
---@field version string
lab = {}
---@param spec dolab.ExperimentSpec
---@return userdata experiment
function lab.experiment(spec) end
---@param spec {variables?: integer, seed?: integer, edge_prob?: number, weights?: {[1]: number, [2]: number}, noise?: number, edges?: {[1]: dolab.Var, [2]: dolab.Var, [3]?: number}[]}
---@return dolab.World
function lab.world(spec) end
---@param w dolab.World @param strategy? "expert"|"oracle"|"corr"|"max_seen"|"parents"|"random"|"assoc"|"model" "model": the TUI's loaded model
---@param opts? {goal?: dolab.Var, passive?: integer, seed?: integer}
---@return dolab.Episode
function lab.episode(w, strategy, opts) end
---@return userdata predicate: the edge a -> b
function lab.link(a, b) end
---@return userdata predicate: a is an ancestor of b
function lab.ancestor(a, b) end
---@return userdata episode filter
function lab.assoc_agrees() end
---@return userdata episode filter
function lab.assoc_disagrees() end

---@alias dolab.Strategy "expert"|"oracle"|"corr"|"max_seen"|"parents"|"random"|"assoc"|"model"
---@alias dolab.ShowPart "structure"|"values"|"evidence"|"baselines"|"model"

---@class dolab.LessonWorld
---@field variables? integer
---@field edges? {[1]: dolab.Var, [2]: dolab.Var, [3]?: number}[] fixed edges and weights (weight 1 when left out)
---@field seed? integer without edges: a random world drawn from this seed
---@field edge_prob? number
---@field weights? {[1]: number, [2]: number}
---@field noise? number

---@class dolab.LessonQuestion
---@field ask string the question for the class
---@field options? "actions"|string[] "actions" (default): every variable but the goal with both signs; or choices; "A+"-style strings are actions
---@field answer? integer a choice question's right option (1-based)
---@field reveal? string said at the reveal

---@class dolab.LessonStep
---@field title? string
---@field narration string a few lines
---@field world? dolab.LessonWorld|dolab.World the previous step's when left out (the first step needs one)
---@field goal? dolab.Var the variable to maximise (default: the last one that has a cause)
---@field seed? integer the episode's noise (default: the previous step's when the world is kept, else the step's number)
---@field passive? integer passive observations before any do() (default: the previous step's when the world is kept, else 0)
---@field value? number the exploration do() value (default 5)
---@field show? dolab.ShowPart[]|"all" default "all"
---@field action? dolab.Strategy|"none"|{explore: dolab.Var[], exploit?: string} who acts: a strategy plays the episode (up to the exploit when there is an actions question), or the teacher's do() list
---@field question? dolab.LessonQuestion

---@class dolab.LessonSpec
---@field name? string
---@field about? string
---@field model? string a checkpoint the model steps use (default: the one the TUI has)
---@field model_hint? string how to make that checkpoint when it is missing
---@field pace? number seconds per autoplay step (0: at once; default 0.7)
---@field steps dolab.LessonStep[]

---@param spec dolab.LessonSpec
---@return userdata lesson
function lab.lesson(spec) end
