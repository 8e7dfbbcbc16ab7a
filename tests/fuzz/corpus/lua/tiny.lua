return lab.experiment{ name = "tiny", train = { steps = 10 } }
